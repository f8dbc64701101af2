/**
 * @module errors
 * Failures of the test helpers, each with its own class and `SLUICE_ERR_TESTKIT_*` code (listed in
 * `docs/errors.md`). Messages say which program or condition, what it printed, and what to do.
 */
import { defineError } from '@sluice/contract'

/** Every error code of `@sluice/testkit`. */
export const TestkitErrorCode = {
  /** An outside program is missing and `SLUICE_REQUIRE_EXTERNAL=1` forbids skipping. */
  ProgramMissing: 'SLUICE_ERR_TESTKIT_PROGRAM_MISSING',
  /** A launched program exited, or did not become ready in time. */
  StartFailed: 'SLUICE_ERR_TESTKIT_START_FAILED',
  /** `waitFor` ran out of time. */
  WaitTimeout: 'SLUICE_ERR_TESTKIT_WAIT_TIMEOUT',
  /** An HTTP call to a launched program (e.g. influxd `/query`) failed. */
  RequestFailed: 'SLUICE_ERR_TESTKIT_REQUEST_FAILED',
  /** The broker refused a `collectMessages` subscription (SUBACK return code 0x80). */
  SubscribeRefused: 'SLUICE_ERR_TESTKIT_SUBSCRIBE_REFUSED',
  /** Network namespaces cannot be made here (no `ip`, or not allowed), or an `ip` step failed. */
  NetnsUnavailable: 'SLUICE_ERR_TESTKIT_NETNS_UNAVAILABLE',
} as const

/** One of the codes in {@link TestkitErrorCode}. */
export type TestkitErrorCode = (typeof TestkitErrorCode)[keyof typeof TestkitErrorCode]

/** An outside program is missing while `SLUICE_REQUIRE_EXTERNAL=1`. */
export const ProgramMissingError = defineError(TestkitErrorCode.ProgramMissing, {
  name: 'ProgramMissingError',
})
export type ProgramMissingError = InstanceType<typeof ProgramMissingError>

/** A launched program exited before it was ready, or was not ready in time. */
export const StartFailedError = defineError(TestkitErrorCode.StartFailed, {
  name: 'StartFailedError',
})
export type StartFailedError = InstanceType<typeof StartFailedError>

/** A `waitFor` condition did not hold in time. */
export const WaitTimeoutError = defineError(TestkitErrorCode.WaitTimeout, {
  name: 'WaitTimeoutError',
})
export type WaitTimeoutError = InstanceType<typeof WaitTimeoutError>

/** An HTTP request to a launched program failed or answered with an error status. */
export const RequestFailedError = defineError(TestkitErrorCode.RequestFailed, {
  name: 'RequestFailedError',
})
export type RequestFailedError = InstanceType<typeof RequestFailedError>

/** The broker refused a subscription (SUBACK 0x80) [MQTT-3.9.3-1]. */
export const SubscribeRefusedError = defineError(TestkitErrorCode.SubscribeRefused, {
  name: 'SubscribeRefusedError',
})
export type SubscribeRefusedError = InstanceType<typeof SubscribeRefusedError>

/** Network namespaces cannot be created here, or setting up the link between them failed. */
export const NetnsUnavailableError = defineError(TestkitErrorCode.NetnsUnavailable, {
  name: 'NetnsUnavailableError',
})
export type NetnsUnavailableError = InstanceType<typeof NetnsUnavailableError>
