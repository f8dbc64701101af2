/**
 * @module errors
 * The forwarder's errors and their codes (STYLE.md, Errors; listed in docs/forwarder.md): a send that
 * failed (retryable or not) and a config the forwarder cannot run with.
 */
import { SluiceError } from '@sluice/contract'

/** Error codes of the forwarder. */
export const ForwarderErrorCode = {
  Send: 'SLUICE_ERR_FORWARD_SEND',
  Rejected: 'SLUICE_ERR_FORWARD_REJECTED',
  Config: 'SLUICE_ERR_FORWARD_CONFIG',
} as const

/**
 * A failed send. `retryable` says whether trying again can help (network error, 5xx, 408, 429); when it
 * cannot (bad credentials, a 4xx the data itself causes) the sender logs a clear error, keeps the data in
 * the spool and tries again only slowly, so fixing the config later still delivers everything.
 */
export class SinkSendError extends SluiceError {
  override readonly name = 'SinkSendError'
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(retryable ? ForwarderErrorCode.Send : ForwarderErrorCode.Rejected, message, options)
  }
}

/** A forwarder config that cannot run (e.g. two sinks with one name), found at start. */
export class ForwarderConfigError extends SluiceError {
  override readonly name = 'ForwarderConfigError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(ForwarderErrorCode.Config, message, options)
  }
}
