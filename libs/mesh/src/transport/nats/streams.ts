/**
 * @module transport/nats/streams
 * The JetStream streams of the mesh's data hops (raw samples, windows, anomaly events; names and subjects
 * from the contract's `dataStreams`), created on first connect with bounded size and age. `discard: old`
 * evicts the oldest messages when a stream is full (drop-oldest, what a consumer that falls behind loses
 * shows as a sequence gap in its hop); `discard: new` refuses a publish instead (drop-newest, counted as a
 * failed publish by the outbound hop). An existing stream is used as it is: its limits are the operator's.
 */
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import type { DataStream } from '@sluice/contract'
import { retryNats, type RetryOptions } from './retry.js'

/** The limits of the streams a transport creates. */
export interface StreamLimits {
  /** Bytes each stream may hold. */
  readonly maxBytes: number
  /** How long a message is kept (ms). */
  readonly maxAgeMs: number
  /** What a full stream does: `old` evicts the oldest message, `new` refuses the publish. */
  readonly discard: 'old' | 'new'
  /** Copies in a JetStream cluster (1, 3 or 5). */
  readonly replicas: number
  /** The window in which a republished message id is recognised and stored once (ms). */
  readonly duplicateWindowMs: number
}

/** Default limits: 64 MiB or one hour per stream, drop-oldest, one replica. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxAgeMs: 3_600_000,
  discard: 'old',
  replicas: 1,
  duplicateWindowMs: 120_000,
}

/**
 * Creates each of `streams` that does not exist yet, with `limits`. A request that times out (a cluster
 * that has just formed, or is electing a leader) is sent again within `retry`'s deadline.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  streams: readonly DataStream[],
  limits: StreamLimits,
  retry: RetryOptions,
): Promise<void> {
  for (const s of streams) {
    const exists = await retryNats(
      () =>
        jsm.streams.info(s.name).then(
          () => true,
          (err: unknown) => {
            if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)
              return false
            throw err
          },
        ),
      retry,
    )
    if (exists) continue
    // Adding a stream that exists with the same configuration answers as if it was made: safe to resend.
    await retryNats(() => addStream(jsm, s, limits), retry)
  }
}

function addStream(jsm: JetStreamManager, s: DataStream, limits: StreamLimits): Promise<unknown> {
  return jsm.streams.add({
    name: s.name,
    subjects: [...s.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_bytes: limits.maxBytes,
    max_age: nanos(limits.maxAgeMs),
    discard: limits.discard === 'old' ? DiscardPolicy.Old : DiscardPolicy.New,
    num_replicas: limits.replicas,
    duplicate_window: nanos(Math.min(limits.duplicateWindowMs, limits.maxAgeMs)),
  })
}
