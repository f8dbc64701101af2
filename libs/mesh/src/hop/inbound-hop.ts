/**
 * @module hop/inbound-hop
 * An inbound hop: one subscription of one service (DESIGN.md §5). It decodes each message into items
 * (raw samples by default; any item type with a `decode` and a `weight`, so window aggregates and anomaly
 * events fit too, with the capacity still in samples), puts them in a bounded queue with the hop's policy,
 * and a drain loop hands batches of one sensor key at a time to the service's handler, sync or async.
 * Bad payloads are counted as `rejected` and logged at a sampled rate; they never stop intake.
 *
 * Under `block`, a message whose items do not fit keeps its transport acknowledgement until the drain
 * loop makes room, so mqtt.js withholds the PUBACK and stops reading the socket; on a QoS 1 hop nothing
 * is lost, and the backlog waits at the broker for this subscriber alone.
 *
 * **Acknowledgement modes** (`ack`). `enqueue` (the default on a clean session) acknowledges a message as
 * soon as its items are queued: fast, but what sits in the queue, or in what the handler published and the
 * broker has not acknowledged yet, dies with the process. `handled` (the default for QoS ≥ 1 on a persistent
 * session) is at least once across a crash: the transport reads on at once (`readOn`), but the message's
 * PUBACK waits until every one of its items has been handled AND every promise the handler passed to
 * `batch.ackAfter` (typically `OutboundHop.publishConfirmed`, the broker's PUBACK of what it published
 * because of them) has resolved. A kill -9 then loses nothing the broker has not been told is done: it
 * delivers the rest again after the restart (duplicates are possible, loss is not). The queue never
 * evicts in this mode (its policy acts as `block`): a message that does not fit waits, and the
 * transport reads nothing more until it fits. The handler's confirmations are not awaited by the drain
 * loop (their PUBACKs arrive on the same socket, which a waiting message stops), but at most
 * `maxUnconfirmed` samples may wait for them while the socket is read, which bounds what the handler
 * publishes ahead of the broker.
 *
 * Every delivered item with a sequence number feeds a per-sensor gap tracker; unexplained loss is gaps
 * minus the drops counted before the handler: this hop's, and those the publisher counted upstream and
 * declared in the payload (`dropped`, issue 11, item 10). An item marked `unsequenced` (a device
 * publishing directly without `seq`, see the contract's device-forms) is counted apart: its loss cannot be
 * known. By default the hop decodes raw samples on `{p}/{device}/{channel}/raw` and on the device topic
 * `{p}/{device}/raw`, where each item carries its `channel` and is keyed by it. The hop manages its own
 * subscriptions, so an instance can take and give up sensors while it runs (§12).
 *
 * **Intake checks** (issue 11, items 1 and 10). With the default key, a message whose topic is not a
 * Sluice topic with valid identifiers (`DEV!`, `dév`, a 60 000-character device) is `rejected`, not
 * keyed by its raw topic and silently lost further on. An item whose event time (`t`) is more than
 * `maxAheadMs` ahead of this hop's clock is dropped as `future`: one broken clock would otherwise hold a
 * sensor's watermark in the future and make every honest sample after it late, until real time caught
 * up. The rule bounds that harm to `maxAheadMs`.
 *
 * **Accounting.** At every instant `in = out + dropped + queue.length`, where `queue.length` counts the
 * samples queued and those in the batch the handler holds now, and `dropped` includes what the handler
 * reported through `batch.drop` (`max-sensors`, `late`). The one exception is `dropped.unconfirmed`:
 * samples already handled (so in `out`) whose output was dropped further on, counted there too.
 */
import {
  epochMs,
  decodeDeviceRaw,
  decodeRawSamples,
  parseTopic,
  readHopInterval,
  sensorKey,
  toHopMetrics,
  topicMatches,
  type HandlerDropReason,
  type HopMetrics,
} from '@sluice/contract'
import {
  createBoundedQueue,
  createHopMeter,
  createSequenceGapTracker,
  unexplainedLoss,
  type BoundedQueue,
  type Sample,
} from '@sluice/stream'
import { MeshHopError, MeshUnconfirmedError } from '../errors.js'
import { createSampledLog, silentLogger, type MeshLogger } from '../logger.js'
import type { AckOutcome, Transport, TransportMessage } from '../transport/transport.js'
import type { HopSpecBase } from './hop-spec.js'

/** A decoder's answer: the items, or why the payload was rejected (the shape of the contract's codec). */
export type HopDecodeResult<T> =
  | readonly T[]
  | { readonly ok: true; readonly value: readonly T[] }
  | { readonly ok: false; readonly error: Error }

/**
 * When an inbound hop acknowledges a QoS ≥ 1 message: once its items are queued (`enqueue`), or once they
 * are handled and what the handler published because of them is confirmed (`handled`, at least once).
 */
export type AckMode = 'enqueue' | 'handled'

/** What the handler gets with each batch, to tie the acknowledgement to its own outputs. */
export interface HandleBatch {
  /** True in `handled` mode: promises given to {@link HandleBatch.ackAfter} are then awaited. */
  readonly confirming: boolean
  /**
   * Holds the acknowledgement of the messages this batch came from until `p` settles. If `p` rejects
   * with a {@link MeshUnconfirmedError} for a policy drop (counted by that outbound hop), they are
   * acknowledged and counted here as `unconfirmed`; on any other rejection they are left
   * unacknowledged (`left`), so the broker delivers them again after a reconnect. A no-op unless
   * `confirming`.
   */
  ackAfter(p: PromiseLike<unknown>): void
  /**
   * Counts `samples` of this batch as dropped for `reason`, a loss the service decided itself (a sensor
   * beyond `maxSensors`, samples behind a window's watermark), so it shows in this hop's metrics: in
   * `dropped` and not in `out`. At most the batch's size is counted.
   */
  drop(reason: HandlerDropReason, samples: number): void
}

/** What a service declares for an inbound hop. `T` is the item type; raw samples by default. */
export interface InboundHopSpec<T = Sample> extends HopSpecBase {
  /** MQTT filters to subscribe to at start (more can be added while running). */
  readonly filters?: readonly string[]
  /** Decodes one message; throwing or returning `{ ok: false }` counts it as rejected. Default: raw samples. */
  readonly decode?: (topic: string, payload: Uint8Array) => HopDecodeResult<T>
  /** Samples one item stands for (capacity is in samples). Default 1. */
  readonly weight?: (item: T) => number
  /** The key items are grouped and tracked by. Default: `device/channel` from the topic, else the topic. */
  readonly key?: (topic: string, item: T) => string
  /**
   * An item's sequence number for gap tracking. Default: its numeric `seq` field, if any, unless the
   * item is marked `unsequenced`.
   */
  readonly seq?: (item: T) => number | undefined
  /** An item's ingest time (ms since the epoch) for latency. Default: its numeric `ingest` field. */
  readonly ingest?: (item: T) => number | undefined
  /** An item's event time (ms since the epoch), for `maxAheadMs`. Default: its numeric `t` field. */
  readonly eventTime?: (item: T) => number | undefined
  /**
   * Items whose event time is more than this far ahead of the hop's clock are dropped as `future` (see
   * the module note); 0 turns the check off (e.g. to replay a recording shifted into the future).
   * Config `hops.<name>.maxAheadMs` overrides it. Default 60 000 (clock skew between hosts is far less).
   */
  readonly maxAheadMs?: number
  /**
   * Samples the publisher dropped and counted before this item (the raw payload's `dropped`); they are
   * explained loss. Default: its numeric `dropped` field.
   */
  readonly upstreamDropped?: (item: T) => number | undefined
  /** Most samples handed to one `handle` call. Default 512. */
  readonly maxBatch?: number
  /**
   * Hands at most this many samples per second to the handler, one sample per call: a consumer slowed
   * on purpose (config `hops.<name>.serviceRate`), so a lab or a test can show a queue filling and its
   * policy at work. Samples wait in the queue meanwhile. Default: as fast as the handler goes.
   */
  readonly serviceRate?: number
  /**
   * `enqueue` or `handled` (see {@link AckMode}); config `hops.<name>.ack` overrides it. Default: the
   * runtime's (`handled` on a persistent session, else `enqueue`). Only QoS ≥ 1 hops acknowledge.
   */
  readonly ack?: AckMode
  /**
   * In `handled` mode, most samples handled and still waiting for their `ackAfter` promises; the drain
   * loop waits above it. Default: the queue's capacity.
   */
  readonly maxUnconfirmed?: number
  /**
   * The service's handler: items of one key, in arrival order. A returned promise is awaited before the
   * next batch; `batch.ackAfter` ties the acknowledgement to later work without holding the loop.
   */
  readonly handle: (key: string, items: T[], batch: HandleBatch) => void | Promise<void>
}

/** Dependencies of {@link createInboundHop}. */
export interface InboundHopDeps {
  readonly transport: Transport
  /** Topic prefix, for the default key. */
  readonly prefix: string
  readonly log?: MeshLogger
  /** Clock in ms since the epoch (with a fraction). Default `epochMs()` from the contract. */
  readonly now?: () => number
  /**
   * Start with the handler paused: messages are taken and queued (by policy) but nothing is handed on
   * until `resume()`. The runtime uses it so a persistent session's backlog, which arrives right after
   * CONNACK, waits in the queue until the service has started.
   */
  readonly paused?: boolean
  /** The acknowledgement mode of hops that declare none. Default `enqueue`. */
  readonly defaultAck?: AckMode
}

/** A running inbound hop. */
export interface InboundHop<T = Sample> {
  readonly name: string
  readonly spec: InboundHopSpec<T>
  /** The filters subscribed now. */
  readonly filters: readonly string[]
  /** Subscribes to the initial filters (they match incoming messages from creation on). */
  start(): Promise<void>
  /** Starts handing items to the handler (see `paused`). */
  resume(): void
  /** Adds a subscription (e.g. a sensor this instance now owns). */
  subscribe(filter: string): Promise<void>
  /** Drops a subscription. */
  unsubscribe(filter: string): Promise<void>
  /** True if this hop subscribed to a filter matching `topic`. */
  matches(topic: string): boolean
  /**
   * Takes one message from the transport; `ack` is called once the message is settled. In `handled`
   * mode `readOn` (see the transport's `MessageHandler`) is called as soon as the message is taken.
   */
  accept(message: TransportMessage, ack: (outcome?: AckOutcome) => void, readOn?: () => void): void
  /** The acknowledgement mode in force (QoS 0 hops are always `enqueue`). */
  readonly ackMode: AckMode
  /**
   * Stops intake; queued items still drain. By default it unsubscribes. With `hold` (for a QoS ≥ 1 hop
   * on a persistent session) it keeps the subscriptions and settles any further message as `leave`:
   * unacknowledged and uncounted, so the broker keeps it for this session and delivers it again after a
   * restart, while the connection still reads the acknowledgements the shutdown waits for.
   */
  stopIntake(options?: { readonly hold?: boolean }): Promise<void>
  /**
   * Resolves when the queue is empty and no handler runs, or after `timeoutMs`; what is left then is
   * counted as dropped (`shutdown`) and `false` is returned.
   */
  drain(timeoutMs: number): Promise<boolean>
  /** The hop's metrics for the interval ending now (and starts the next interval). */
  metrics(): HopMetrics
}

/** One message in `handled` mode: acknowledged once nothing of it is outstanding. */
interface Delivery {
  /** Items not yet handled. */
  outstanding: number
  /** Samples the message carries (set once its items are weighed). */
  samples: number
  readonly ack: (outcome?: AckOutcome) => void
  /** What the handler asked to wait for, over every batch that held its items. */
  confirmations: PromiseLike<unknown>[] | undefined
  /** The last batch that added confirmations (so one batch adds them once). */
  batchId: number
}

interface Entry<T> {
  readonly key: string
  readonly item: T
  readonly weight: number
  readonly at: number
  readonly delivery: Delivery | undefined
}

interface Pending<T> {
  readonly entries: Entry<T>[]
  index: number
  readonly ack: (outcome?: AckOutcome) => void
  /** `handled` mode: the acknowledgement follows the delivery; `readOn` is called once it is queued. */
  readonly delivery: Delivery | undefined
  readonly readOn: (() => void) | undefined
}

/** Drops by an outbound hop's policy: counted there, so the source message is acknowledged. */
const POLICY_DROPS: ReadonlySet<string> = new Set(['oldest', 'newest', 'sampled'])

/** The default of {@link InboundHopSpec.maxAheadMs}. */
export const DEFAULT_MAX_AHEAD_MS = 60_000

const defaultNow = epochMs

function anyMatches(filters: Iterable<string>, topic: string): boolean {
  for (const f of filters) if (topicMatches(f, topic)) return true
  return false
}

function numericField(item: unknown, field: string): number | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const v = (item as Record<string, unknown>)[field]
  return typeof v === 'number' ? v : undefined
}

/**
 * Creates an inbound hop (call `start()` to subscribe). Services get hops from `ctx.inbound(spec)`,
 * which also routes messages and publishes the metrics.
 *
 * @example
 * ```ts
 * const hop = ctx.inbound({
 *   name: 'raw', qos: 1, queue: { capacity: 10_000, policy: 'drop-oldest' },
 *   filters: [rawFilter(ctx.prefix)],
 *   handle: (key, samples) => { for (const s of samples) windows.get(key).push(s) },
 * })
 * ```
 */
export function createInboundHop<T = Sample>(
  spec: InboundHopSpec<T>,
  deps: InboundHopDeps,
): InboundHop<T> {
  const log = deps.log ?? silentLogger
  const now = deps.now ?? defaultNow
  const { transport, prefix } = deps
  const handledMode = spec.qos > 0 && (spec.ack ?? deps.defaultAck ?? 'enqueue') === 'handled'
  // In `handled` mode every queued item belongs to a message the broker still holds for us: evicting it
  // would turn a redeliverable message into a loss, so the queue only ever refuses (block).
  const maxUnconfirmed = spec.maxUnconfirmed ?? spec.queue.capacity
  // And it holds at most `maxUnconfirmed`: while a message waits for room the drain loop must run
  // without waiting for confirmations (see below), so what the handler may have published ahead of the
  // broker stays under 2 × maxUnconfirmed + maxBatch samples whatever the broker sends.
  const metricsSpec: HopSpecBase = handledMode
    ? {
        ...spec,
        queue: { capacity: Math.min(spec.queue.capacity, maxUnconfirmed), policy: 'block' },
      }
    : spec
  const queue: BoundedQueue<Entry<T>> = createBoundedQueue({
    capacity: metricsSpec.queue.capacity,
    policy: metricsSpec.queue.policy,
  })
  const meter = createHopMeter({ now: now() })
  const gaps = createSequenceGapTracker()
  const serviceRate = spec.serviceRate
  const maxBatch = serviceRate === undefined ? (spec.maxBatch ?? 512) : 1
  /** With `serviceRate`: when the handler may take the next sample (a schedule, so the mean rate holds). */
  let nextServiceAt = 0
  const decode = spec.decode ?? ((topic: string, payload: Uint8Array) => decodeRaw(topic, payload))
  const weightOf = spec.weight ?? (() => 1)
  const seqOf =
    spec.seq ??
    ((item: T) =>
      (item as { unsequenced?: unknown }).unsequenced === true
        ? undefined
        : numericField(item, 'seq'))
  const ingestOf = spec.ingest ?? ((item: T) => numericField(item, 'ingest'))
  const eventTimeOf = spec.eventTime ?? ((item: T) => numericField(item, 't'))
  const upstreamOf = spec.upstreamDropped ?? ((item: T) => numericField(item, 'dropped'))
  const maxAheadMs = spec.maxAheadMs ?? DEFAULT_MAX_AHEAD_MS
  const keyCache = new Map<string, string>()
  /** The default key: `device/channel` of a sensor topic, the topic of another Sluice topic, else null. */
  const topicKeyOf = (topic: string): string | null => {
    let k = keyCache.get(topic)
    if (k === undefined) {
      const p = parseTopic(prefix, topic)
      // Not cached when invalid: junk topics must not fill the cache.
      if (p === null) return null
      k = 'channel' in p ? sensorKey(p.device, p.channel) : topic
      // Topics are per sensor, so the cache is bounded by the sensors seen; cap it anyway.
      if (keyCache.size < 100_000) keyCache.set(topic, k)
    }
    return k
  }
  /** The device of a device-level raw topic (`{p}/{device}/raw`), else undefined. Cached per topic. */
  const deviceTopics = new Map<string, string | null>()
  const deviceOf = (topic: string): string | undefined => {
    let d = deviceTopics.get(topic)
    if (d === undefined) {
      const p = parseTopic(prefix, topic)
      d = p?.kind === 'device-raw' ? p.device : null
      if (deviceTopics.size < 100_000) deviceTopics.set(topic, d)
    }
    return d ?? undefined
  }
  /** The default key of one item: its topic's, or on a device topic the sensor its `channel` names. */
  const itemKeyOf = (topicKey: string, topic: string, item: T): string => {
    const device = deviceOf(topic)
    const channel = (item as { channel?: unknown }).channel
    return device !== undefined && typeof channel === 'string'
      ? sensorKey(device, channel)
      : topicKey
  }
  const decodeRaw = (topic: string, payload: Uint8Array): HopDecodeResult<T> => {
    const receivedAt = now()
    if (deviceOf(topic) !== undefined)
      return decodeDeviceRaw(payload, { receivedAt }) as HopDecodeResult<T>
    return decodeRawSamples(payload, { receivedAt }) as HopDecodeResult<T>
  }
  const warnRejected = createSampledLog(log, 'warn', 1000)
  const warnFuture = createSampledLog(log, 'warn', 1000)
  const warnHandler = createSampledLog(log, 'error', 100)

  const filters = new Set<string>()
  // Filters given up recently still match: messages already in flight from the broker are taken and
  // counted, not silently lost. Bounded: the oldest are forgotten.
  const retired = new Set<string>()
  for (const f of spec.filters ?? []) filters.add(f)
  // `matches` runs for every message and every hop (the runtime's routing): remember the answer per
  // topic until the filters change. Topics are per sensor; capped like the key cache.
  const matchCache = new Map<string, boolean>()
  const pending: Pending<T>[] = []
  let rejected = 0
  /** Items without a sequence number (their loss cannot be known). */
  let unsequenced = 0
  /** The sensor keys received (bounded), for the `sensors` figure. */
  const sensorKeys = new Set<string>()
  let out = 0
  /** Samples taken in but never offered to the queue (dropped at intake or while waiting for room). */
  let takenOutside = 0
  /** Samples of the batch the handler holds now: taken out of the queue, not yet out or dropped. */
  let inFlight = 0
  let droppedFuture = 0
  /** Drops the publisher counted upstream and declared in the payloads (explained gaps). */
  let upstreamDropped = 0
  const handlerDrops: Record<HandlerDropReason, number> = { 'max-sensors': 0, late: 0 }
  let droppedShutdown = 0
  let handlerFailed = 0
  let droppedLeft = 0
  let droppedUnconfirmed = 0
  /** `handled` mode: samples handled whose confirmations are still pending. */
  let unconfirmed = 0
  let unconfirmedWaiter: (() => void) | undefined
  let batchCounter = 0
  let draining = false
  let holding = false
  let paused = deps.paused ?? false
  let idleWaiters: (() => void)[] = []

  function decodeMessage(message: TransportMessage): readonly T[] | undefined {
    let r: HopDecodeResult<T>
    try {
      r = decode(message.topic, message.payload)
    } catch (err) {
      r = { ok: false, error: err as Error }
    }
    if (Array.isArray(r)) return r as readonly T[]
    const res = r as Exclude<HopDecodeResult<T>, readonly T[]>
    if (res.ok) return res.value
    rejected++
    warnRejected({ hop: spec.name, topic: message.topic, err: res.error }, 'rejected a bad payload')
    return undefined
  }

  /** Offers entries from `p.index` on; false when the block policy ran out of room. */
  function offerFrom(p: Pending<T>): boolean {
    const t = now()
    let accepted = 0
    while (p.index < p.entries.length) {
      const e = p.entries[p.index]!
      const r = queue.offer(e, e.weight)
      if (!r.accepted && r.reason === 'full') break
      accepted += e.weight
      p.index++
    }
    if (accepted > 0) {
      meter.arrive(t, accepted)
      meter.observeLength(t, queue.length)
      scheduleDrain()
    }
    return p.index === p.entries.length
  }

  function releasePending(): void {
    while (pending.length > 0) {
      const p = pending[0]!
      if (!offerFrom(p)) return
      pending.shift()
      // In `handled` mode the acknowledgement follows the delivery; only reading resumes now.
      if (p.readOn !== undefined) p.readOn()
      else p.ack()
    }
  }

  /**
   * Acknowledges a handled delivery once its confirmations settle. If one was dropped by its outbound
   * hop's policy, the loss is already counted there and the message is acknowledged (counted here as
   * `unconfirmed`): left unacknowledged it would hold one of the broker's in-flight slots until the
   * next reconnect, and a few of those stall the session. Any other failure (the connection, a
   * shutdown) leaves it at the broker, which delivers it again after the reconnect or restart.
   */
  function settleDelivery(d: Delivery): void {
    const c = d.confirmations
    if (c === undefined) {
      d.ack('taken')
      return
    }
    void Promise.allSettled(c).then((results) => {
      let outcome: AckOutcome = 'taken'
      for (const r of results) {
        if (r.status === 'fulfilled') continue
        const reason: unknown = r.reason
        if (reason instanceof MeshUnconfirmedError && POLICY_DROPS.has(reason.reason)) continue
        outcome = 'leave'
      }
      // Handled, so no gap here: counted as `unconfirmed` (not in this hop's explained drops).
      if (results.some((r) => r.status === 'rejected')) droppedUnconfirmed += d.samples
      d.ack(outcome)
    })
  }

  /** Marks a batch's entries handled, ties its confirmations to their deliveries, settles the done ones. */
  function completeBatch(
    entries: readonly Entry<T>[],
    confirmations: PromiseLike<unknown>[],
  ): void {
    const id = ++batchCounter
    for (const e of entries) {
      const d = e.delivery
      if (d === undefined) continue
      if (confirmations.length > 0 && d.batchId !== id) {
        d.batchId = id
        if (d.confirmations === undefined) d.confirmations = [...confirmations]
        else d.confirmations.push(...confirmations)
      }
      if (--d.outstanding === 0) settleDelivery(d)
    }
  }

  function waitForConfirmations(): Promise<void> {
    return new Promise<void>((resolve) => (unconfirmedWaiter = resolve))
  }

  function wakeConfirmationWaiter(): void {
    const w = unconfirmedWaiter
    unconfirmedWaiter = undefined
    w?.()
  }

  function scheduleDrain(): void {
    if (draining || paused) return
    draining = true
    setImmediate(() => {
      drainLoop().catch((err: unknown) => {
        // drainLoop catches handler errors itself; anything here is a bug in the hop.
        log.error({ err, hop: spec.name }, 'drain loop failed')
        draining = false
      })
    })
  }

  async function drainLoop(): Promise<void> {
    let handled = 0
    while (queue.size > 0) {
      if (serviceRate !== undefined) {
        // The sample waits in the queue while the slowed consumer is busy, where the policy sees it.
        const t = now()
        // Behind by up to 250 ms (or one service time): late timers on a busy machine, caught up on the
        // next samples so the mean rate holds. More: the consumer was idle, and starts afresh.
        if (t - nextServiceAt > Math.max(1000 / serviceRate, 250)) nextServiceAt = t
        const wait = nextServiceAt - t
        if (wait >= 1) await new Promise<void>((resolve) => setTimeout(resolve, wait))
        nextServiceAt += 1000 / serviceRate
        if (queue.size === 0) break
      }
      const first = queue.poll()!
      const key = first.key
      const batch: T[] = [first.item]
      const entries: Entry<T>[] = [first]
      let samples = first.weight
      for (;;) {
        const next = queue.peek()
        if (next === undefined || next.key !== key || samples + next.weight > maxBatch) break
        queue.poll()
        batch.push(next.item)
        entries.push(next)
        samples += next.weight
      }
      inFlight = samples
      const t0 = now()
      meter.observeLength(t0, queue.length)
      releasePending()
      let waitSum = 0
      for (const e of entries) waitSum += (t0 - e.at) * e.weight
      for (const item of batch) {
        const seq = seqOf(item)
        if (seq !== undefined) gaps.observe(key, seq)
        else if ((item as { unsequenced?: unknown }).unsequenced === true) unsequenced++
      }
      if (sensorKeys.size < 100_000) sensorKeys.add(key)
      // Confirmations are waited for outside the loop (their PUBACKs come on the socket a waiting
      // message holds), and only up to `maxUnconfirmed` samples ahead, and never while a message waits
      // for room: the transport reads nothing then, so they could not arrive.
      while (handledMode && unconfirmed >= maxUnconfirmed && pending.length === 0)
        await waitForConfirmations()
      const confirmations: PromiseLike<unknown>[] = []
      let batchDropped = 0
      const handleBatch: HandleBatch = {
        confirming: handledMode,
        ackAfter: handledMode ? (p) => void confirmations.push(p) : () => undefined,
        drop: (reason, n) => {
          const counted = Math.min(Math.max(0, Math.floor(n)), samples - batchDropped)
          batchDropped += counted
          handlerDrops[reason] += counted
        },
      }
      let failed = 0
      try {
        const r = spec.handle(key, batch, handleBatch)
        if (r !== undefined) await r
      } catch (err) {
        failed = samples - batchDropped
        handlerFailed += failed
        warnHandler(
          { err, hop: spec.name, key, handlerFailed },
          'handler failed; its batch is lost',
        )
      }
      if (handledMode) {
        if (confirmations.length > 0) {
          unconfirmed += samples
          void Promise.allSettled(confirmations).then(() => {
            unconfirmed -= samples
            wakeConfirmationWaiter()
          })
        }
        completeBatch(entries, confirmations)
      }
      const t1 = now()
      // Each sample is out or dropped, once: the identity in = out + dropped + queued holds.
      out += samples - batchDropped - failed
      inFlight = 0
      meter.serve(t1, samples, waitSum / samples, t1 - t0)
      for (const item of batch) {
        const ingest = ingestOf(item)
        if (ingest !== undefined) meter.recordLatency(t1 - ingest)
      }
      // A synchronous handler would otherwise keep the loop (and the socket) to itself.
      if (++handled % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    }
    draining = false
    releasePending()
    if (queue.size === 0 && pending.length === 0) {
      const waiters = idleWaiters
      idleWaiters = []
      for (const w of waiters) w()
    }
  }

  function retire(filter: string): void {
    matchCache.clear()
    retired.delete(filter)
    retired.add(filter)
    if (retired.size > 256) {
      const oldest = retired.values().next().value
      if (oldest !== undefined) retired.delete(oldest)
    }
  }

  function dropRemaining(): void {
    // In `handled` mode what was not handled is left at the broker (redelivered after a restart).
    const left = new Set<Delivery>()
    for (;;) {
      const e = queue.poll()
      if (e === undefined) break
      if (e.delivery !== undefined) {
        droppedLeft += e.weight
        left.add(e.delivery)
      } else droppedShutdown += e.weight
    }
    for (const p of pending) {
      for (let i = p.index; i < p.entries.length; i++) {
        const w = p.entries[i]!.weight
        // Never offered to the queue, so not yet counted as taken in.
        takenOutside += w
        if (p.delivery !== undefined) droppedLeft += w
        else droppedShutdown += w
      }
      if (p.delivery !== undefined) left.add(p.delivery)
      else p.ack()
    }
    pending.length = 0
    for (const d of left) {
      d.outstanding = -1
      d.ack('leave')
    }
  }

  return {
    name: spec.name,
    spec,
    ackMode: handledMode ? 'handled' : 'enqueue',
    get filters() {
      return [...filters]
    },
    async start() {
      for (const f of spec.filters ?? []) {
        try {
          await transport.subscribe(f, spec.qos)
        } catch (err) {
          throw new MeshHopError(
            `Hop ${spec.name} could not subscribe to ${f}: ${(err as Error).message}`,
            {
              cause: err,
            },
          )
        }
      }
    },
    resume() {
      paused = false
      scheduleDrain()
    },
    async subscribe(filter: string) {
      if (filters.has(filter)) return
      filters.add(filter)
      retired.delete(filter)
      matchCache.clear()
      try {
        await transport.subscribe(filter, spec.qos)
      } catch (err) {
        filters.delete(filter)
        matchCache.clear()
        throw new MeshHopError(
          `Hop ${spec.name} could not subscribe to ${filter}: ${(err as Error).message}`,
          {
            cause: err,
          },
        )
      }
    },
    async unsubscribe(filter: string) {
      if (!filters.delete(filter)) return
      retire(filter)
      await transport.unsubscribe(filter)
    },
    matches(topic: string): boolean {
      const cached = matchCache.get(topic)
      if (cached !== undefined) return cached
      const m = anyMatches(filters, topic) || anyMatches(retired, topic)
      if (matchCache.size < 100_000) matchCache.set(topic, m)
      return m
    },
    accept(
      message: TransportMessage,
      ack: (outcome?: AckOutcome) => void,
      readOn?: () => void,
    ): void {
      if (holding) {
        ack('leave')
        return
      }
      let topicKey: string | undefined
      if (spec.key === undefined) {
        const k = topicKeyOf(message.topic)
        if (k === null) {
          rejected++
          warnRejected(
            { hop: spec.name, topic: message.topic.slice(0, 200), rejected },
            'rejected a message on a topic with an invalid identifier (identifiers match ' +
              '[a-z0-9][a-z0-9_-]*, at most 128 characters): rename the device or channel',
          )
          ack()
          return
        }
        topicKey = k
      }
      const items = decodeMessage(message)
      if (items === undefined || items.length === 0) {
        ack()
        return
      }
      const t = now()
      const horizon = maxAheadMs > 0 ? t + maxAheadMs : Infinity
      // `handled` mode needs the transport to read on before acknowledging (QoS 1 over MQTT); where it
      // cannot (QoS 2 in mqtt.js), the message is acknowledged on enqueue as before. The delivery is
      // made first so each entry is allocated once, on this per-sample path.
      const delivery: Delivery | undefined =
        handledMode && readOn !== undefined && message.qos > 0
          ? { outstanding: 0, samples: 0, ack, confirmations: undefined, batchId: 0 }
          : undefined
      const entries: Entry<T>[] = []
      let samples = 0
      for (const item of items) {
        const weight = weightOf(item)
        const up = upstreamOf(item)
        if (up !== undefined && up > 0) upstreamDropped += up
        const et = eventTimeOf(item)
        if (et !== undefined && et > horizon) {
          droppedFuture += weight
          takenOutside += weight
          warnFuture(
            { hop: spec.name, topic: message.topic, t: et, now: t, maxAheadMs, droppedFuture },
            `dropped a sample ${Math.round(et - t)} ms ahead of this clock (more than maxAheadMs): ` +
              "check the publisher's clock",
          )
          continue
        }
        samples += weight
        const key =
          topicKey === undefined
            ? spec.key!(message.topic, item)
            : itemKeyOf(topicKey, message.topic, item)
        entries.push({ key, item, weight, at: t, delivery })
      }
      if (entries.length === 0) {
        ack()
        return
      }
      if (delivery !== undefined) {
        delivery.outstanding = entries.length
        delivery.samples = samples
      }
      const p: Pending<T> = {
        entries,
        index: 0,
        ack,
        delivery,
        readOn: delivery === undefined ? undefined : readOn,
      }
      // Keep arrival order: while earlier messages wait for room, this one waits behind them, and the
      // transport reads nothing more (as under `block`).
      if (pending.length === 0 && offerFrom(p)) {
        if (p.readOn !== undefined) p.readOn()
        else ack()
        return
      }
      pending.push(p)
      // A drain loop waiting for confirmations would wait forever now: let it go on.
      wakeConfirmationWaiter()
    },
    async stopIntake(options = {}) {
      if (options.hold === true && spec.qos > 0) {
        holding = true
        return
      }
      const all = [...filters]
      filters.clear()
      for (const f of all) retire(f)
      await Promise.allSettled(all.map((f) => transport.unsubscribe(f)))
    },
    drain(timeoutMs: number): Promise<boolean> {
      if (queue.size === 0 && pending.length === 0 && !draining) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          idleWaiters = idleWaiters.filter((w) => w !== onIdle)
          dropRemaining()
          resolve(false)
        }, timeoutMs)
        const onIdle = (): void => {
          clearTimeout(timer)
          resolve(true)
        }
        idleWaiters.push(onIdle)
        scheduleDrain()
      })
    },
    metrics(): HopMetrics {
      const { counters, snapshot } = readHopInterval(queue, meter, now())
      const totals = gaps.totals()
      const g = totals.gaps
      // Only unsequenced samples so far: say so, rather than claim that nothing was lost.
      const gapsKnown = totals.seen > 0 || unsequenced === 0
      const m = toHopMetrics({
        spec: metricsSpec,
        direction: 'in',
        counters,
        out,
        rejected,
        extraIn: takenOutside,
        inFlight,
        extraDropped: {
          shutdown: droppedShutdown,
          'handler-error': handlerFailed,
          left: droppedLeft,
          unconfirmed: droppedUnconfirmed,
          future: droppedFuture,
          ...handlerDrops,
        },
        capacity: queue.capacity,
        snapshot,
        // Only drops before the gap tracker (which sees what the handler gets) leave gaps; a hop that has
        // seen only unsequenced samples cannot know its gaps.
        ...(gapsKnown
          ? {
              gaps: g,
              unexplainedLoss: unexplainedLoss({
                gaps: g,
                countedDrops:
                  counters.droppedTotal +
                  droppedShutdown +
                  droppedLeft +
                  droppedFuture +
                  upstreamDropped,
              }),
            }
          : {}),
      })
      if (unsequenced > 0) m.unsequenced = unsequenced
      m.sensors = sensorKeys.size
      if (filters.size > 0) m.topic = [...filters].join(',')
      return m
    },
  }
}
