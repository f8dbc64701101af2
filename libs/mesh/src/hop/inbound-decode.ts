/**
 * @module hop/inbound-decode
 * Decoding for an inbound hop: one transport message into the entries it queues. By default it reads raw
 * samples in every form the contract accepts (DESIGN.md §4): a sample or a batch on
 * `{p}/{device}/{channel}/raw`, and the device forms on `{p}/{device}/raw`, where each item carries its
 * `channel` and is keyed by it; a hop may declare its own `decode`, `weight`, `key` and field readers.
 *
 * The intake checks of issue 11 (items 1 and 10) live here too: with the default key, a topic that is not
 * a Sluice topic with valid identifiers is `rejected`; an item whose event time is more than `maxAheadMs`
 * ahead of the hop's clock is dropped as `future`, so one broken clock cannot hold its sensor's watermark
 * in the future. Bad payloads are `rejected` and logged at a sampled rate.
 */
import { decodeDeviceRaw, decodeRawSamples, parseTopic, sensorKey } from '@sluice/contract'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { TransportMessage } from '../transport/transport.js'
import type { Delivery } from './ack-ledger.js'
import type { InboundCounters } from './inbound-counters.js'
import type { HopDecodeResult, InboundHopSpec } from './inbound-hop.js'

/** The default of {@link InboundHopSpec.maxAheadMs}. */
export const DEFAULT_MAX_AHEAD_MS = 60_000

/** Caches per topic are bounded by the sensors seen; capped anyway. */
const MAX_CACHED_TOPICS = 100_000

/**
 * One place in the queue, with what the drain loop and the ledger need: one item of any weight, or a
 * **run**, consecutive items of one message with one key that weigh one sample each (issue 16: an entry,
 * an offer and a poll per message rather than per sample). Only a run holds more than one item; its
 * `weight` is then the count of its items from `from` on. The drain splits a run that does not fit into
 * single items, and the queue takes a run's oldest samples when it must (`trimHead`), so every policy
 * keeps and drops exactly the samples it would with one entry per sample.
 */
export interface Entry<T> {
  readonly key: string
  /** The items, from `from` on. */
  readonly items: readonly T[]
  from: number
  /** Samples, as the queue counts them. */
  weight: number
  /** When it was taken in (the hop's clock), for the wait W. */
  readonly at: number
  readonly delivery: Delivery | undefined
}

/** True if the entry is a run with more than one item left. */
export const isRun = <T>(e: Entry<T>): boolean => e.items.length - e.from > 1

/**
 * For the queue's `trimHead`: a run gives up its oldest `samples` (each of its items weighs one); a single
 * item is evicted whole.
 */
export function trimRun<T>(e: Entry<T>, samples: number): boolean {
  if (e.items.length - e.from !== e.weight || e.weight <= samples) return false
  e.from += samples
  e.weight -= samples
  return true
}

/** The entries of a run's items one by one, in order. */
export function splitRun<T>(e: Entry<T>): Entry<T>[] {
  const out = new Array<Entry<T>>(e.items.length - e.from)
  for (let i = e.from; i < e.items.length; i++) {
    out[i - e.from] = {
      key: e.key,
      items: [e.items[i]!],
      from: 0,
      weight: 1,
      at: e.at,
      delivery: e.delivery,
    }
  }
  return out
}

/** How an inbound hop reads its items. */
export interface InboundDecoder<T> {
  /**
   * The entries of one message, after the intake checks; undefined if the message was rejected (counted
   * and logged). May be empty (everything dropped as `future`, or an empty batch).
   */
  entriesOf(message: TransportMessage, delivery: Delivery | undefined): Entry<T>[] | undefined
  /** An item's sequence number for gap tracking, unless it is unsequenced. */
  seqOf(item: T): number | undefined
  /** An item's ingest time, for latency. */
  ingestOf(item: T): number | undefined
}

/** An item's numeric field, or undefined: one reader per field, each a load of one named property. */
type NumericField = (item: unknown) => number | undefined
const asNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)
const isObject = (item: unknown): item is Record<string, unknown> =>
  typeof item === 'object' && item !== null
// A reader taking the field's name would load it by a computed key, which V8 caches for no single name:
// on the per-sample path that was 7 % of an inbound hop's CPU (bench/micro/consumers).
const fieldT: NumericField = (item) => (isObject(item) ? asNumber(item.t) : undefined)
const fieldDropped: NumericField = (item) => (isObject(item) ? asNumber(item.dropped) : undefined)
const fieldSeq: NumericField = (item) => (isObject(item) ? asNumber(item.seq) : undefined)
const fieldIngest: NumericField = (item) => (isObject(item) ? asNumber(item.ingest) : undefined)

/** Memoises `fn` per topic, up to {@link MAX_CACHED_TOPICS} topics; `undefined` answers are not kept. */
function perTopic<R>(fn: (topic: string) => R | undefined): (topic: string) => R | undefined {
  const cache = new Map<string, R>()
  return (topic) => {
    let r = cache.get(topic)
    if (r === undefined) {
      r = fn(topic)
      if (r !== undefined && cache.size < MAX_CACHED_TOPICS) cache.set(topic, r)
    }
    return r
  }
}

/** The default keys: `device/channel` of a sensor topic (or of a device topic's item), else the topic. */
function createDefaultKeys(prefix: string) {
  // Not cached when invalid: junk topics must not fill the cache.
  const topicKeyOf = perTopic((topic) => {
    const p = parseTopic(prefix, topic)
    if (p === null) return undefined
    return 'channel' in p ? sensorKey(p.device, p.channel) : topic
  })
  /** The device of a device-level raw topic (`{p}/{device}/raw`), else null. */
  const deviceOf = perTopic<string | null>((topic) => {
    const p = parseTopic(prefix, topic)
    return p?.kind === 'device-raw' ? p.device : null
  })
  /** The key of an item of a message on `topic`, whose device (if a device topic) is `device`. */
  const itemKeyOf = (topicKey: string, device: string | null, item: unknown): string => {
    if (device === null) return topicKey
    const channel = (item as { channel?: unknown }).channel
    return typeof channel === 'string' ? sensorKey(device, channel) : topicKey
  }
  return { topicKeyOf, deviceOf, itemKeyOf }
}

/** Creates the decoder of one inbound hop. */
export function createInboundDecoder<T>(
  spec: InboundHopSpec<T>,
  deps: {
    readonly prefix: string
    readonly now: () => number
    readonly log: MeshLogger
    readonly counters: InboundCounters
    /** The most items in one run (the drain's largest batch). */
    readonly maxRun: number
  },
): InboundDecoder<T> {
  const { now, counters } = deps
  const keys = createDefaultKeys(deps.prefix)
  const decode =
    spec.decode ??
    ((topic: string, payload: Uint8Array): HopDecodeResult<T> => {
      const receivedAt = now()
      if ((keys.deviceOf(topic) ?? null) !== null)
        return decodeDeviceRaw(payload, { receivedAt }) as HopDecodeResult<T>
      return decodeRawSamples(payload, { receivedAt }) as HopDecodeResult<T>
    })
  const weightOf = spec.weight ?? (() => 1)
  const eventTimeOf = spec.eventTime ?? fieldT
  const upstreamOf = spec.upstreamDropped ?? fieldDropped
  const maxAheadMs = spec.maxAheadMs ?? DEFAULT_MAX_AHEAD_MS
  const warnRejected = createSampledLog(deps.log, 'warn', 1000)
  const warnFuture = createSampledLog(deps.log, 'warn', 1000)

  /** The message's items, or undefined if its payload was rejected. */
  const itemsOf = (message: TransportMessage): readonly T[] | undefined => {
    let r: HopDecodeResult<T>
    try {
      r = decode(message.topic, message.payload)
    } catch (err) {
      r = { ok: false, error: err as Error }
    }
    if (Array.isArray(r)) return r as readonly T[]
    const res = r as Exclude<HopDecodeResult<T>, readonly T[]>
    if (res.ok) return res.value
    counters.rejected++
    warnRejected({ hop: spec.name, topic: message.topic, err: res.error }, 'rejected a bad payload')
    return undefined
  }

  /** The default key of the message's topic, or null (rejected) if it is not a valid Sluice topic. */
  const topicKeyOf = (topic: string): string | null => {
    const k = keys.topicKeyOf(topic)
    if (k !== undefined) return k
    counters.rejected++
    warnRejected(
      { hop: spec.name, topic: topic.slice(0, 200), rejected: counters.rejected },
      'rejected a message on a topic with an invalid identifier (identifiers match ' +
        '[a-z0-9][a-z0-9_-]*, at most 128 characters): rename the device or channel',
    )
    return null
  }

  /** True (and counted as `future`) if the item's event time is beyond the horizon. */
  const isFuture = (topic: string, item: T, weight: number, t: number): boolean => {
    const et = eventTimeOf(item)
    if (et === undefined || maxAheadMs <= 0 || et <= t + maxAheadMs) return false
    counters.dropped.future += weight
    counters.takenOutside += weight
    warnFuture(
      { hop: spec.name, topic, t: et, now: t, maxAheadMs, droppedFuture: counters.dropped.future },
      `dropped a sample ${Math.round(et - t)} ms ahead of this clock (more than maxAheadMs): ` +
        "check the publisher's clock",
    )
    return true
  }

  return {
    entriesOf(message, delivery) {
      const { topic } = message
      let topicKey: string | undefined
      if (spec.key === undefined) {
        const k = topicKeyOf(topic)
        if (k === null) return undefined
        topicKey = k
      }
      const items = itemsOf(message)
      if (items === undefined) return undefined
      if (message.duplicate === true) {
        // Handled once already: counted, not handled again.
        for (const item of items) {
          const weight = weightOf(item)
          counters.dropped.duplicate += weight
          counters.takenOutside += weight
        }
        return []
      }
      const t = now()
      const entries: Entry<T>[] = []
      // Once per message, not per item: the topic's device, if it is a device topic.
      const device = topicKey === undefined ? null : (keys.deviceOf(topic) ?? null)
      // The open run: items[runStart…] of one key, each weighing one sample; -1 when none is open.
      let runStart = -1
      let runKey = ''
      const closeRun = (end: number): void => {
        if (runStart < 0) return
        const run = runStart === 0 && end === items.length ? items : items.slice(runStart, end)
        entries.push({ key: runKey, items: run, from: 0, weight: end - runStart, at: t, delivery })
        runStart = -1
      }
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!
        const weight = weightOf(item)
        const up = upstreamOf(item)
        if (up !== undefined && up > 0) counters.upstreamDropped += up
        if (isFuture(topic, item, weight, t)) {
          closeRun(i)
          continue
        }
        const key =
          topicKey === undefined ? spec.key!(topic, item) : keys.itemKeyOf(topicKey, device, item)
        if (runStart >= 0 && (weight !== 1 || key !== runKey || i - runStart === deps.maxRun))
          closeRun(i)
        if (weight !== 1) {
          entries.push({ key, items: [item], from: 0, weight, at: t, delivery })
          continue
        }
        if (runStart < 0) {
          runStart = i
          runKey = key
        }
      }
      closeRun(items.length)
      return entries
    },
    seqOf:
      spec.seq ??
      ((item: T) =>
        (item as { unsequenced?: unknown }).unsequenced === true ? undefined : fieldSeq(item)),
    ingestOf: spec.ingest ?? fieldIngest,
  }
}
