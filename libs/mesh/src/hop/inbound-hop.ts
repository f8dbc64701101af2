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
  readHopInterval,
  toHopMetrics,
  type HandlerDropReason,
  type HopMetrics,
} from '@sluice/contract'
import { unexplainedLoss, type Sample } from '@sluice/stream'
import { silentLogger, type MeshLogger } from '../logger.js'
import type { AckOutcome, Transport, TransportMessage } from '../transport/transport.js'
import { createAckLedger } from './ack-ledger.js'
import { createInboundCounters, type InboundCounters } from './inbound-counters.js'
import { createInboundDecoder } from './inbound-decode.js'
import { batchLimitOf, createInboundDrain, type InboundDrain } from './inbound-drain.js'
import type { HopSpecBase } from './hop-spec.js'
import { createHopSubscriptions, type HopSubscriptions } from './hop-subscriptions.js'

export { DEFAULT_MAX_AHEAD_MS } from './inbound-decode.js'

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
   * The service resumes the hop itself (`resume()`) rather than the runtime at start: its messages wait
   * in the queue, with the hop's flow control, until the service can hand them on (a group member
   * until it knows what it owns). Default false.
   */
  readonly resumeByOwner?: boolean
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
  /** Adds subscriptions, several in one packet (e.g. the sensors this instance now owns). */
  subscribe(filter: string | readonly string[]): Promise<void>
  /** Drops subscriptions, several in one packet. */
  unsubscribe(filter: string | readonly string[]): Promise<void>
  /** True if this hop subscribed to a filter matching `topic`. */
  matches(topic: string): boolean
  /**
   * Forgets a sensor this instance gave up (DESIGN.md §12): its gap tracking starts afresh if it comes
   * back, so what another instance handled meanwhile is not counted as a gap here.
   */
  forgetSensor(key: string): void
  /**
   * Resolves true once every sample queued now has been handed to the handler or dropped, or false
   * after `timeoutMs` (a handover waits for it before it takes a sensor's state).
   */
  caughtUp(timeoutMs: number): Promise<boolean>
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

/** The hop's metrics payload from its parts (see the module note on accounting). */
function inboundMetrics<T>(
  spec: HopSpecBase,
  drain: InboundDrain<T>,
  counters: InboundCounters,
  subscriptions: HopSubscriptions,
  now: number,
): HopMetrics {
  const { counters: queued, snapshot } = readHopInterval(drain.queue, drain.meter, now)
  const totals = drain.gaps.totals()
  const g = totals.gaps
  const d = counters.dropped
  // Only unsequenced samples so far: say so, rather than claim that nothing was lost.
  const gapsKnown = totals.seen > 0 || counters.unsequenced === 0
  const m = toHopMetrics({
    spec,
    direction: 'in',
    counters: queued,
    out: counters.out,
    rejected: counters.rejected,
    extraIn: counters.takenOutside,
    inFlight: counters.inFlight,
    extraDropped: d,
    capacity: drain.queue.capacity,
    snapshot,
    // Only drops before the gap tracker (which sees what the handler gets) leave gaps; a hop that has
    // seen only unsequenced samples cannot know its gaps.
    ...(gapsKnown
      ? {
          gaps: g,
          unexplainedLoss: unexplainedLoss({
            gaps: g,
            countedDrops:
              queued.droppedTotal + d.shutdown + d.left + d.future + counters.upstreamDropped,
          }),
        }
      : {}),
  })
  if (counters.unsequenced > 0) m.unsequenced = counters.unsequenced
  m.sensors = drain.sensorKeys.size
  const filters = subscriptions.filters
  if (filters.length > 0) m.topic = filters.join(',')
  return m
}

/**
 * Creates an inbound hop (call `start()` to subscribe). Services get hops from `ctx.inbound(spec)`,
 * which also routes messages and publishes the metrics. The hop is composed of its decoding
 * (inbound-decode.ts), its queue and drain loop (inbound-drain.ts), its acknowledgement ledger
 * (ack-ledger.ts) and its subscriptions (hop-subscriptions.ts).
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
  const now = deps.now ?? epochMs
  const handledMode = spec.qos > 0 && (spec.ack ?? deps.defaultAck ?? 'enqueue') === 'handled'
  // In `handled` mode every queued item belongs to a message the broker still holds for us: evicting it
  // would turn a redeliverable message into a loss, so the queue only ever refuses (block).
  const maxUnconfirmed = spec.maxUnconfirmed ?? spec.queue.capacity
  // And it holds at most `maxUnconfirmed`: while a message waits for room the drain loop must run
  // without waiting for confirmations (see the drain loop), so what the handler may have published
  // ahead of the broker stays under 2 × maxUnconfirmed + maxBatch samples whatever the broker sends.
  const metricsSpec: HopSpecBase = handledMode
    ? {
        ...spec,
        queue: { capacity: Math.min(spec.queue.capacity, maxUnconfirmed), policy: 'block' },
      }
    : spec
  const counters = createInboundCounters()
  const ledger = createAckLedger(handledMode, maxUnconfirmed, counters)
  const decoder = createInboundDecoder(spec, {
    prefix: deps.prefix,
    now,
    log,
    counters,
    maxRun: batchLimitOf(spec),
  })
  const drain = createInboundDrain(spec, {
    queue: metricsSpec.queue,
    decoder,
    ledger,
    counters,
    now,
    log,
    paused: deps.paused ?? false,
  })
  const subscriptions = createHopSubscriptions(spec.name, spec.qos, deps.transport, spec.filters)
  let holding = false

  return {
    name: spec.name,
    spec,
    ackMode: handledMode ? 'handled' : 'enqueue',
    get filters() {
      return subscriptions.filters
    },
    start: () => subscriptions.start(),
    resume: () => drain.resume(),
    subscribe: (filter) => subscriptions.subscribe(filter),
    unsubscribe: (filter) => subscriptions.unsubscribe(filter),
    matches: (topic) => subscriptions.matches(topic),
    forgetSensor: (key) => drain.forgetKey(key),
    caughtUp: (timeoutMs) => drain.caughtUp(timeoutMs),
    accept(message: TransportMessage, ack: (outcome?: AckOutcome) => void, readOn?: () => void) {
      if (holding) {
        ack('leave')
        return
      }
      // The delivery is made first so each entry is allocated once, on this per-sample path.
      const delivery = ledger.open(message.qos, ack, readOn !== undefined)
      const entries = decoder.entriesOf(message, delivery)
      if (entries === undefined || entries.length === 0) {
        ack()
        return
      }
      if (delivery !== undefined) {
        delivery.outstanding = entries.length
        for (const e of entries) delivery.samples += e.weight
      }
      drain.enqueue({
        entries,
        index: 0,
        ack,
        delivery,
        readOn: delivery === undefined ? undefined : readOn,
      })
    },
    async stopIntake(options = {}) {
      if (options.hold === true && spec.qos > 0) {
        holding = true
        return
      }
      await subscriptions.unsubscribeAll()
    },
    drain: (timeoutMs) => drain.drain(timeoutMs),
    metrics: () => inboundMetrics(metricsSpec, drain, counters, subscriptions, now()),
  }
}
