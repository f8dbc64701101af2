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

/** One item in the queue, with what the drain loop and the ledger need. */
export interface Entry<T> {
  readonly key: string
  readonly item: T
  readonly weight: number
  /** When it was taken in (the hop's clock), for the wait W. */
  readonly at: number
  readonly delivery: Delivery | undefined
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

function numericField(item: unknown, field: string): number | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const v = (item as Record<string, unknown>)[field]
  return typeof v === 'number' ? v : undefined
}

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
  const eventTimeOf = spec.eventTime ?? ((item: T) => numericField(item, 't'))
  const upstreamOf = spec.upstreamDropped ?? ((item: T) => numericField(item, 'dropped'))
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
      for (const item of items) {
        const weight = weightOf(item)
        const up = upstreamOf(item)
        if (up !== undefined && up > 0) counters.upstreamDropped += up
        if (isFuture(topic, item, weight, t)) continue
        const key =
          topicKey === undefined ? spec.key!(topic, item) : keys.itemKeyOf(topicKey, device, item)
        entries.push({ key, item, weight, at: t, delivery })
      }
      return entries
    },
    seqOf:
      spec.seq ??
      ((item: T) =>
        (item as { unsequenced?: unknown }).unsequenced === true
          ? undefined
          : numericField(item, 'seq')),
    ingestOf: spec.ingest ?? ((item: T) => numericField(item, 'ingest')),
  }
}
