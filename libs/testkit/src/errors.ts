/**
 * @module errors
 * Failures of the test helpers, each with its own class and `SLUICE_ERR_TESTKIT_*` code (listed in
 * `docs/errors.md`). Messages say which program or condition, what it printed, and what to do.
 */
import { SluiceError } from '@sluice/contract'

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
export class ProgramMissingError extends SluiceError {
  override readonly name = 'ProgramMissingError'
  constructor(message: string) {
    super(TestkitErrorCode.ProgramMissing, message)
  }
}

/** A launched program exited before it was ready, or was not ready in time. */
export class StartFailedError extends SluiceError {
  override readonly name = 'StartFailedError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(TestkitErrorCode.StartFailed, message, options)
  }
}

/** A `waitFor` condition did not hold in time. */
export class WaitTimeoutError extends SluiceError {
  override readonly name = 'WaitTimeoutError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(TestkitErrorCode.WaitTimeout, message, options)
  }
}

/** An HTTP request to a launched program failed or answered with an error status. */
export class RequestFailedError extends SluiceError {
  override readonly name = 'RequestFailedError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(TestkitErrorCode.RequestFailed, message, options)
  }
}

/** The broker refused a subscription (SUBACK 0x80) [MQTT-3.9.3-1]. */
export class SubscribeRefusedError extends SluiceError {
  override readonly name = 'SubscribeRefusedError'
  constructor(message: string) {
    super(TestkitErrorCode.SubscribeRefused, message)
  }
}

/** Network namespaces cannot be created here, or setting up the link between them failed. */
export class NetnsUnavailableError extends SluiceError {
  override readonly name = 'NetnsUnavailableError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(TestkitErrorCode.NetnsUnavailable, message, options)
  }
}
