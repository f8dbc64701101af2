/**
 * @module errors
 * The broker's own failures. Each has a class with `name` set and a stable `code`
 * (`SLUICE_ERR_BROKER_<WHAT>`); the message says what happened, why it probably happened and what to do.
 * Every code is listed in `docs/errors.md`.
 */
import { defineError } from '@sluice/contract'

/** Every error code of `@sluice/broker`. */
export const BrokerErrorCode = {
  /** The TCP or WebSocket port is already taken, usually by another MQTT broker. */
  PortInUse: 'SLUICE_ERR_BROKER_PORT_IN_USE',
  /** A listener could not start for another reason (permission, bad address, bad TLS files). */
  ListenFailed: 'SLUICE_ERR_BROKER_LISTEN_FAILED',
  /** The broker options are invalid; every problem is listed. */
  InvalidOptions: 'SLUICE_ERR_BROKER_INVALID_OPTIONS',
  /** The password file cannot be read, or a line in it is malformed. */
  PasswordFile: 'SLUICE_ERR_BROKER_PASSWORD_FILE',
  /** Asked to listen off loopback, where clients must log in, with no user to log in as. */
  NoCredentials: 'SLUICE_ERR_BROKER_NO_CREDENTIALS',
} as const

/** One of the codes in {@link BrokerErrorCode}. */
export type BrokerErrorCode = (typeof BrokerErrorCode)[keyof typeof BrokerErrorCode]

/** The port is in use: another MQTT broker (Mosquitto, often) is probably running. */
export const PortInUseError = defineError(BrokerErrorCode.PortInUse, {
  name: 'PortInUseError',
  build: (host: string, port: number, options?: ErrorOptions) => ({
    message:
      `port ${port} is in use — another MQTT broker such as Mosquitto may be running; use --port, ` +
      `or point Sluice at it with --broker mqtt://${host}:${port}`,
    fields: { port, host },
    options,
  }),
})
export type PortInUseError = InstanceType<typeof PortInUseError>

/** A listener failed to start for a reason other than a taken port. */
export const ListenFailedError = defineError(BrokerErrorCode.ListenFailed, {
  name: 'ListenFailedError',
})
export type ListenFailedError = InstanceType<typeof ListenFailedError>

/** The broker options are invalid; `problems` lists every one of them at once. */
export const InvalidBrokerOptionsError = defineError(BrokerErrorCode.InvalidOptions, {
  name: 'InvalidBrokerOptionsError',
  build: (problems: readonly string[]) => ({
    message: `Invalid broker options:\n- ${problems.join('\n- ')}`,
    fields: { problems },
  }),
})
export type InvalidBrokerOptionsError = InstanceType<typeof InvalidBrokerOptionsError>

/** The password file (`file`) cannot be read or parsed. */
export const PasswordFileError = defineError(BrokerErrorCode.PasswordFile, {
  name: 'PasswordFileError',
  build: (file: string, message: string, options?: ErrorOptions) => ({
    message: `${file}: ${message}`,
    fields: { file },
    options,
  }),
})
export type PasswordFileError = InstanceType<typeof PasswordFileError>

/**
 * The broker would listen beyond loopback (`host`), where every client must log in (DESIGN.md §11), but
 * no user is configured and anonymous access was not allowed: it would refuse every client, so it does
 * not start.
 */
export const NoCredentialsError = defineError(BrokerErrorCode.NoCredentials, {
  name: 'NoCredentialsError',
  build: (host: string, passwordFile: string | undefined) => {
    const users =
      passwordFile === undefined
        ? 'no --password-file was given'
        : `the password file ${passwordFile} has no users`
    return {
      message:
        `refusing to listen on ${host}: off loopback every client must log in, and ${users}, so every ` +
        `client would be refused. Add users with \`sluice broker passwd <file> <user> <role>\` and pass ` +
        `--password-file <file>; or listen on 127.0.0.1; or pass --allow-anonymous if an open broker is ` +
        `really intended`,
      fields: { host },
    }
  },
})
export type NoCredentialsError = InstanceType<typeof NoCredentialsError>
