/**
 * @module sinks/sink
 * What every forwarder sink is (DESIGN.md §9): it encodes a forwarded message into the record it keeps in
 * its spool, and sends a batch of records. A sink never retries by itself and never buffers: the sender
 * owns retries, backoff, the rate limit and the spool, the same for every sink.
 */
import { SluiceError } from '@sluice/contract'

/** One message the forwarder took in: its topic's meaning and its decoded payload. */
export interface ForwardItem {
  readonly kind: 'raw' | 'window' | 'anomaly' | 'metrics' | 'status'
  readonly topic: string
  readonly device?: string
  readonly channel?: string
  readonly window?: string
  readonly service?: string
  readonly instance?: string
  readonly payload: unknown
}

/** A destination. */
export interface Sink {
  readonly name: string
  readonly type: string
  /** The spool records for one item (none when the sink has nothing to write for it). */
  encode(item: ForwardItem): readonly string[]
  /** Sends records in order; resolves once the destination has them. Throws {@link SinkSendError}. */
  send(records: readonly string[]): Promise<void>
  close(): Promise<void>
}

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

/** Whether an HTTP status is worth retrying (RFC 9110: 408, 429 and 5xx are transient). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}
