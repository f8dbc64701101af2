/**
 * @module errors
 * The failures of the `sluice` command itself (its services and the lab have their own), each with its
 * code (`SLUICE_ERR_CLI_…`, listed in docs/errors.md): what happened, why, and what to do. `main.ts`
 * prints the message and the code, and exits with the error's exit code (2 for a usage error).
 */
import { defineError } from '@sluice/contract'

/** Every error code of the `sluice` command. */
export const CliErrorCode = {
  /** A flag or argument of a subcommand (`up`, `replay`, `lab`) is invalid; every problem is listed. */
  Usage: 'SLUICE_ERR_CLI_USAGE',
  /** `sluice up`'s broker exited, or did not open its port in time, so no service was started. */
  BrokerNotReady: 'SLUICE_ERR_CLI_BROKER_NOT_READY',
  /** A port `sluice up` would listen on is taken (or not allowed), so nothing was started. */
  PortUnavailable: 'SLUICE_ERR_CLI_PORT_UNAVAILABLE',
  /** `sluice up --nats` found no nats-server to run. */
  NatsServerMissing: 'SLUICE_ERR_CLI_NATS_SERVER_MISSING',
} as const

/** One of the codes in {@link CliErrorCode}. */
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode]

/**
 * A subcommand was given flags it cannot use. The message lists every problem at once; the process exits
 * with 2, since running it again with the same flags cannot help.
 */
export const CliUsageError = defineError(CliErrorCode.Usage, { name: 'CliUsageError', exitCode: 2 })
export type CliUsageError = InstanceType<typeof CliUsageError>

/** `sluice up` could not start its broker; the message quotes the broker's last output. */
export const BrokerNotReadyError = defineError(CliErrorCode.BrokerNotReady, {
  name: 'BrokerNotReadyError',
})
export type BrokerNotReadyError = InstanceType<typeof BrokerNotReadyError>

/**
 * A port `sluice up` would listen on is taken by another program (or, below 1024, not allowed to this
 * user); the message names each address, what would have listened there and the flag that moves it.
 */
export const PortUnavailableError = defineError(CliErrorCode.PortUnavailable, {
  name: 'PortUnavailableError',
})
export type PortUnavailableError = InstanceType<typeof PortUnavailableError>

/** `sluice up --nats` found no nats-server binary; the message says where it looked and how to install it. */
export const NatsServerMissingError = defineError(CliErrorCode.NatsServerMissing, {
  name: 'NatsServerMissingError',
})
export type NatsServerMissingError = InstanceType<typeof NatsServerMissingError>
