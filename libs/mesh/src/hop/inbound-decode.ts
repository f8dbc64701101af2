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
import {
  decodeDeviceRaw,
  decodeRawSamples,
  columnSamples,
  parseTopic,
  sensorKey,
  type RawColumns,
} from '@sluice/contract'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { TransportMessage } from '../transport/transport.js'
import type { Delivery } from './ack-ledger.js'
import { columnRuns, itemsEntry, pushRuns, type Entry, type EntryOrigin } from './inbound-entry.js'
import type { InboundCounters } from './inbound-counters.js'
import type { HopDecodeResult, InboundHopSpec } from './inbound-hop.js'
import { scanRawColumnsShared } from './shared-scan.js'

/** The default of {@link InboundHopSpec.maxAheadMs}. */
export const DEFAULT_MAX_AHEAD_MS = 60_000

/** Caches per topic are bounded by the sensors seen; capped anyway. */
const MAX_CACHED_TOPICS = 100_000

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

  // Raw samples read the default way: only then may a batch stay in columns until it is handed on.
  const defaultRaw =
    spec.decode === undefined &&
    spec.key === undefined &&
    spec.weight === undefined &&
    spec.eventTime === undefined &&
    spec.upstreamDropped === undefined
  /**
   * The bridge's raw batch on a sensor topic, read into columns, when the hop reads raw samples its
   * default way (issue 16: its samples are made when handed on; another hop of this process that reads
   * the same batch shares them, `hop/shared-scan`); undefined otherwise.
   */
  const columnsOf = (message: TransportMessage): RawColumns | undefined =>
    defaultRaw && keys.deviceOf(message.topic) === null
      ? scanRawColumnsShared(message.payload)
      : undefined

  /** The entries of a batch read into columns; undefined if a sample is too far ahead (checked apart). */
  const columnEntries = (key: string, c: RawColumns, o: EntryOrigin): Entry<T>[] | undefined => {
    if (maxAheadMs > 0) {
      const horizon = o.at + maxAheadMs
      for (let i = c.n; i < 2 * c.n; i++) if (c.data[i]! > horizon) return undefined
    }
    if (c.dropped > 0) counters.upstreamDropped += c.dropped
    return columnRuns(key, c, deps.maxRun, o)
  }

  /** The entries of decoded items: runs of one key and weight one, other items alone. */
  const itemEntries = (
    topic: string,
    topicKey: string | undefined,
    items: readonly T[],
    o: EntryOrigin,
  ): Entry<T>[] => {
    const entries: Entry<T>[] = []
    // Once per message, not per item: the topic's device, if it is a device topic.
    const device = topicKey === undefined ? null : (keys.deviceOf(topic) ?? null)
    // The open run: items[runStart…] of one key, each weighing one sample; -1 when none is open.
    let runStart = -1
    let runKey = ''
    const closeRun = (end: number): void => {
      if (runStart >= 0)
        pushRuns(entries, runStart, end, deps.maxRun, (f, e) =>
          itemsEntry(runKey, items, f, e, e - f, o),
        )
      runStart = -1
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      const weight = weightOf(item)
      const up = upstreamOf(item)
      if (up !== undefined && up > 0) counters.upstreamDropped += up
      if (isFuture(topic, item, weight, o.at)) {
        closeRun(i)
        continue
      }
      const key =
        topicKey === undefined ? spec.key!(topic, item) : keys.itemKeyOf(topicKey, device, item)
      if (runStart >= 0 && (weight !== 1 || key !== runKey)) closeRun(i)
      if (weight !== 1) entries.push(itemsEntry(key, items, i, i + 1, weight, o))
      else if (runStart < 0) {
        runStart = i
        runKey = key
      }
    }
    closeRun(items.length)
    return entries
  }

  /** Counts a redelivered message's items as `duplicate`: handled once already. */
  const duplicates = (items: readonly T[]): Entry<T>[] => {
    for (const item of items) {
      const weight = weightOf(item)
      counters.dropped.duplicate += weight
      counters.takenOutside += weight
    }
    return []
  }

  return {
    entriesOf(message, delivery) {
      let topicKey: string | undefined
      if (spec.key === undefined) {
        const k = topicKeyOf(message.topic)
        if (k === null) return undefined
        topicKey = k
      }
      const origin: EntryOrigin = { at: now(), delivery }
      const columns = columnsOf(message)
      if (columns !== undefined && message.duplicate !== true) {
        const entries = columnEntries(topicKey!, columns, origin)
        if (entries !== undefined) return entries
      }
      // A redelivery, or a batch with a sample too far ahead, is read sample by sample like any other.
      const items =
        columns === undefined ? itemsOf(message) : (columnSamples(columns) as unknown as T[])
      if (items === undefined) return undefined
      if (message.duplicate === true) return duplicates(items)
      return itemEntries(message.topic, topicKey, items, origin)
    },
    seqOf:
      spec.seq ??
      ((item: T) =>
        (item as { unsequenced?: unknown }).unsequenced === true ? undefined : fieldSeq(item)),
    ingestOf: spec.ingest ?? fieldIngest,
  }
}
