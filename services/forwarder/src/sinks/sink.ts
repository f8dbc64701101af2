/**
 * @module sinks/sink
 * What every forwarder sink is (DESIGN.md §9): it encodes a forwarded message into the record it keeps in
 * its spool, and sends a batch of records. A sink never retries by itself and never buffers: the sender
 * owns retries, backoff, the rate limit and the spool, the same for every sink.
 */
export { ForwarderErrorCode, SinkSendError } from '../errors.js'

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

/** The JSON record of one item for the sinks that keep items whole (file, webhook): topic, kind, payload. */
export function encodeJsonItem(item: ForwardItem): readonly string[] {
  return [JSON.stringify({ topic: item.topic, kind: item.kind, payload: item.payload })]
}

/** Whether an HTTP status is worth retrying (RFC 9110: 408, 429 and 5xx are transient). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}
