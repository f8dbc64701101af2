/**
 * @module transport/nats/retained
 * MQTT's retained messages and last wills on NATS, kept in a JetStream key-value bucket (one key per
 * subject, the last value only).
 *
 * - **Retained**: a retained publish is written to the bucket as well as published on core NATS. Every
 *   transport watches the bucket and keeps the current values; a new subscription is handed the values its
 *   filter matches first, as an MQTT broker hands over retained messages.
 * - **Wills as leases**: the value of a client's will topic (its status) is written with a lease and the
 *   will's payload, and rewritten every third of the lease while the client is connected. Every watcher
 *   sees a value whose lease ran out as replaced by its will: it delivers the will to its own subscribers
 *   and writes it to the bucket with a compare-and-set on the revision it saw (the bucket's own
 *   optimistic concurrency), so exactly one watcher's write lands. A graceful stop writes the client's
 *   last status without a lease, so no will follows.
 *
 * A stored value is one JSON line of metadata (`{}` or `{"lease":ms,"will":base64}`) and the payload.
 */
import type { KV, KvEntry } from '@nats-io/kv'
import { topicMatches } from '@sluice/contract'

/** The metadata line of a stored value. */
interface Meta {
  readonly lease?: number
  readonly will?: string
}

/** One retained value as a watcher knows it. */
export interface RetainedValue {
  readonly topic: string
  readonly payload: Uint8Array
  readonly revision: number
  /** When this watcher last saw the value written (its own clock), for leases. */
  readonly seenAt: number
  readonly lease?: number
  readonly will?: Uint8Array
}

const NEWLINE = 0x0a
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The stored form of `payload` with its metadata. */
export function encodeRetained(payload: Uint8Array, meta: Meta = {}): Uint8Array {
  const head = encoder.encode(`${JSON.stringify(meta)}\n`)
  const out = new Uint8Array(head.byteLength + payload.byteLength)
  out.set(head, 0)
  out.set(payload, head.byteLength)
  return out
}

/** The payload and metadata of a stored value; a value without a metadata line is all payload. */
export function decodeRetained(value: Uint8Array): { payload: Uint8Array; meta: Meta } {
  const nl = value.indexOf(NEWLINE)
  if (nl < 0 || value[0] !== 0x7b) return { payload: value, meta: {} }
  try {
    const meta = JSON.parse(decoder.decode(value.subarray(0, nl))) as Meta
    return { payload: value.subarray(nl + 1), meta }
  } catch {
    return { payload: value, meta: {} }
  }
}

/** Options of {@link createRetainedStore}. */
export interface RetainedStoreOptions {
  readonly kv: KV
  /** The subject → topic conversion. */
  readonly toTopic: (subject: string) => string
  /** Delivers a retained value (or a will whose lease ran out) to the transport's subscribers. */
  readonly deliver: (topic: string, payload: Uint8Array) => void
  readonly now?: () => number
  readonly onError: (err: unknown) => void
}

/** The retained values of one bucket as this transport sees them. */
export interface RetainedStore {
  /** Watches the bucket; resolves once the current values are known. */
  start(): Promise<void>
  /** Waits until every value written before now is known here (a subscription's retained values). */
  sync(): Promise<void>
  /** Hands `filter`'s matching values to `deliver` (a new subscription). */
  replay(filter: string): void
  /** Writes a retained value (an empty payload clears it). */
  write(subject: string, payload: Uint8Array, meta?: Meta): Promise<void>
  /** Turns leases that ran out into their wills; the transport calls it on a timer. */
  expire(): void
  stop(): void
}

/** Creates the retained store over `options.kv`. */
export function createRetainedStore(options: RetainedStoreOptions): RetainedStore {
  const now = options.now ?? Date.now
  const values = new Map<string, RetainedValue>()
  let revisionSeen = 0
  let stopWatch: (() => void) | undefined

  function apply(e: KvEntry): void {
    revisionSeen = Math.max(revisionSeen, e.revision)
    if (e.operation !== 'PUT' || e.value.byteLength === 0) {
      values.delete(e.key)
      return
    }
    const { payload, meta } = decodeRetained(e.value)
    // Values read at start carry their write time; later ones are seen as they are written.
    const seenAt = Math.min(now(), e.created.getTime())
    values.set(e.key, {
      topic: options.toTopic(e.key),
      payload,
      revision: e.revision,
      seenAt: Number.isFinite(seenAt) ? seenAt : now(),
      ...(meta.lease !== undefined ? { lease: meta.lease } : {}),
      ...(meta.will !== undefined ? { will: Buffer.from(meta.will, 'base64') } : {}),
    })
  }

  async function watch(): Promise<void> {
    const initial = (await options.kv.status()).values
    const iter = await options.kv.watch({ key: '>' })
    stopWatch = () => iter.stop()
    let pending = initial
    const ready = new Promise<void>((resolve) => {
      if (pending === 0) resolve()
      // A bucket whose count includes markers the watch skips: do not wait for ever.
      setTimeout(resolve, 3000).unref()
      void (async () => {
        try {
          for await (const e of iter) {
            apply(e)
            if (!e.isUpdate && (e.delta ?? 0) === 0) pending = 0
            if (pending === 0 || e.isUpdate) resolve()
          }
        } catch (err) {
          options.onError(err)
        }
        resolve()
      })()
    })
    await ready
  }

  return {
    start: watch,
    async sync() {
      const last = (await options.kv.status()).streamInfo.state.last_seq
      const until = now() + 2000
      while (revisionSeen < last && now() < until) await new Promise((r) => setTimeout(r, 2))
    },
    replay(filter) {
      for (const v of values.values()) {
        if (topicMatches(filter, v.topic)) options.deliver(v.topic, v.payload)
      }
    },
    async write(subject, payload, meta) {
      if (payload.byteLength === 0) await options.kv.delete(subject)
      else await options.kv.put(subject, encodeRetained(payload, meta))
    },
    expire() {
      const t = now()
      for (const [key, v] of values) {
        if (v.lease === undefined || v.will === undefined || t - v.seenAt <= v.lease) continue
        values.set(key, { topic: v.topic, payload: v.will, revision: v.revision, seenAt: t })
        options.deliver(v.topic, v.will)
        // Compare-and-set on the revision seen: one watcher's will lands, the others' are refused.
        options.kv.update(key, encodeRetained(v.will), v.revision).catch(() => undefined)
      }
    },
    stop() {
      stopWatch?.()
    },
  }
}
