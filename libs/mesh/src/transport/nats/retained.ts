/**
 * @module transport/nats/retained
 * MQTT's retained messages and last wills on NATS, kept in a JetStream key-value bucket (one key per
 * subject, the last value only).
 *
 * - **Retained**: a retained publish is written to the bucket as well as published on core NATS. Every
 *   transport watches the bucket and keeps the current values; a new subscription is handed the values its
 *   filter matches first, as an MQTT broker hands over retained messages.
 * - **Wills as leases**: the value of a client's will topic (its status) is written with a lease and the
 *   will's payload, and rewritten every third of the lease while the client is connected. A lease is
 *   timed by the bucket's own progress: it runs out when, for longer than the lease since its last
 *   renewal, other writes have landed or the bucket has answered, so a bucket that can take no writes
 *   for a while (a cluster electing a new leader) expires nobody. When the bucket comes back from such a
 *   silence, every lease runs again in full from then, as a new ZooKeeper leader restarts every
 *   session's timeout: a client's renewals were refused during the silence and are being sent again, and
 *   a watcher's compare-and-set must not beat them to the bucket (it did: a windowing instance that
 *   lived was taken out of its group for a moment after a nats-server of three was killed). A watcher
 *   that sees a value whose lease ran out writes the will in its place with a compare-and-set on the
 *   revision it saw (the bucket's own optimistic concurrency): exactly one watcher's write lands, and
 *   that watcher publishes the will on core NATS for every subscriber, as a broker publishes a will.
 *   A graceful stop writes the client's
 *   last status without a lease, so no will follows.
 *
 * A stored value is one JSON line of metadata (`{}` or `{"lease":ms,"will":base64}`) and the payload.
 */
import type { KV, KvEntry } from '@nats-io/kv'
import { topicMatches } from '@sluice/contract'
import { watchBucket, type BucketWatch } from './bucket-watch.js'
import { retryNats } from './retry.js'

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
  /** Delivers a retained value to the transport's subscribers (a new subscription's). */
  readonly deliver: (topic: string, payload: Uint8Array) => void
  /** Publishes a will whose lease ran out to every subscriber, as a broker publishes a will. */
  readonly publishWill: (subject: string, payload: Uint8Array) => void
  readonly now?: () => number
  readonly onError: (err: unknown) => void
  /** True once the transport is closing: writes are not tried again. */
  readonly stopped: () => boolean
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

/**
 * The longest the bucket stays silent (no value seen, no answer to a probe) while it works: a probe goes
 * out after 500 ms without a sign, and `expire` runs every 500 ms. A longer silence is an outage (a
 * leader election, this client cut off or its process stalled), and leases restart after it.
 */
const SILENCE_MS = 2000

/** Creates the retained store over `options.kv`. */
export function createRetainedStore(options: RetainedStoreOptions): RetainedStore {
  const now = options.now ?? Date.now
  const values = new Map<string, RetainedValue>()
  let revisionSeen = 0
  // When this watcher last saw the bucket move or answer: leases are timed by it, not by the wall clock
  // alone; and when the bucket last came back from a silence (every lease runs from then at the earliest).
  let progress = now()
  let resumedAt = -Infinity
  // Since when the watch has said more values are to come (undefined: caught up).
  let behindSince: number | undefined

  /** The bucket moved or answered at `at`; after a silence of over {@link SILENCE_MS}, leases restart. */
  function advance(at: number): void {
    if (at - progress > SILENCE_MS) resumedAt = at
    progress = Math.max(progress, at)
  }

  function apply(e: KvEntry): void {
    // Values still to come in this watch: the store is catching up, and leases wait until it has.
    if ((e.delta ?? 0) === 0) behindSince = undefined
    else behindSince ??= now()
    revisionSeen = Math.max(revisionSeen, e.revision)
    advance(now())
    if (revisionSeen >= written) unseenSince = undefined
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

  // The newest revision this client wrote, and since when the watch has not shown one of its writes:
  // a watch that shows none of them for long is stuck.
  let written = 0
  let unseenSince: number | undefined
  let watch: BucketWatch | undefined
  let probing = false

  /** Asks the bucket's stream for its state when it has not moved lately: an answer is progress too. */
  function probe(): void {
    const asked = now()
    if (probing || asked - progress < 500) return
    probing = true
    options.kv
      .status()
      .then(() => advance(asked))
      .catch(() => undefined)
      .finally(() => (probing = false))
  }

  return {
    async start() {
      watch = watchBucket({
        kv: options.kv,
        apply,
        revision: () => revisionSeen,
        onError: options.onError,
      })
      await watch.ready
    },
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
      // Tried again for a while: the bucket may have no leader for a moment in a cluster.
      const retry = { stopped: options.stopped, deadlineMs: 10_000 }
      if (payload.byteLength === 0) await retryNats(() => options.kv.delete(subject), retry)
      else {
        const revision = await retryNats(
          () => options.kv.put(subject, encodeRetained(payload, meta)),
          retry,
        )
        written = Math.max(written, revision)
        if (written > revisionSeen) unseenSince ??= now()
      }
    },
    expire() {
      // Our own write landed a while ago and our watch has not shown it: the watch is stuck (its
      // consumer died with a server); open it again where it was.
      if (unseenSince !== undefined && now() - unseenSince > 3000) {
        unseenSince = now()
        watch?.reopen()
      }
      // A lease runs out only while the bucket moves (every live client renews its own) or answers: when
      // it does neither (a cluster electing a leader, this watcher cut off), nobody's lease runs out.
      probe()
      // While the watch catches up, leases wait; not for longer than a silence would, though: a backlog is
      // read in milliseconds, and after a server died the count of what is to come can stay above zero
      // while every value comes (seen on nats-server 2.9.10: nobody's lease ran out, so a killed windowing
      // instance's sensors stayed with it). A compare-and-set on a stale revision does not land.
      if (behindSince !== undefined && now() - behindSince <= SILENCE_MS) return
      const t = progress
      for (const [key, v] of values) {
        if (v.lease === undefined || v.will === undefined) continue
        if (t - Math.max(v.seenAt, resumedAt) <= v.lease) continue
        // Tried once a lease. The value stays as it is here until the watch shows what landed: a will
        // whose compare-and-set fails (the client renewed meanwhile) is never handed to a subscription.
        values.set(key, { ...v, seenAt: t })
        // Compare-and-set on the revision seen: one watcher's will lands, and that one publishes it.
        options.kv
          .update(key, encodeRetained(v.will), v.revision)
          .then(() => options.publishWill(key, v.will!))
          .catch(() => undefined)
      }
    },
    stop() {
      watch?.stop()
    },
  }
}
