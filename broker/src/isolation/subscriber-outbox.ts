/**
 * @module isolation/subscriber-outbox
 * Subscriber isolation (DESIGN.md §5). Stock Aedes hands each message to every subscriber's socket and
 * waits for every write to finish before it routes more (mqemitter holds at most `concurrency` messages in
 * flight), so one subscriber that stops reading stalls delivery to all of them. The outbox replaces a
 * client's `deliver0`/`deliverQoS` with an enqueue into that client's own bounded queue that releases the
 * router at once, and a pump that feeds the original delivery functions — and so the socket — only while
 * fewer than `maxInflight` writes are pending. A slow socket therefore fills its own queue, whose policy
 * decides what that subscriber loses, and never anyone else's delivery.
 *
 * **Duplicates.** Aedes drops, per client, any packet whose `brokerCounter` is not above the highest one
 * it already sent that client (lib/client.js `dedupe`), to send a packet once when several subscriptions
 * of a client match it. That assumes packets reach clients in counter order; they do not with a durable
 * persistence: a QoS>0 packet with a persistent subscriber waits for its LevelDB write
 * (`enqueueOffline`) while later packets without one are routed at once, so the overtaken packet was
 * silently lost for every subscriber that had seen a later one (issue 11, two-host test: about 1 raw batch
 * in 5 at 50 Hz, with `--persistence-dir`). The outbox therefore removes duplicates itself, by exact
 * packet identity, and lets Aedes' filter pass the packets it hands on.
 *
 * Accounting is exact per subscriber: `in = out + dropped + deferred + queued`, where `out` counts
 * messages handed to the socket, and `deferred` counts QoS 1/2 messages of a persistent session that left
 * the live queue but stay in the session store, to be sent again when the client reconnects.
 *
 * The queue is `libs/stream`'s bounded queue, the one behind every hop: its `onEvict` tells which
 * message an arrival pushed out (stored or not), and `drain()` what was left when the client went away.
 * `block` cannot hold the publisher at a shared broker, so here it means "hold up to capacity, then refuse
 * the newest" (the queue runs as `drop-newest`, and the subscriber's policy is still reported as `block`).
 */
import type { AedesPublishPacket, Client } from 'aedes'
import { clientInternals, type ClientInternals, type DeliverFunction } from '../aedes-internals.js'
import { toHopMetrics, type HopMetrics } from '@sluice/contract'
import {
  createBoundedQueue,
  createHopMeter,
  type HopMeter,
  type QueueCounters,
  type QueuePolicy,
} from '@sluice/stream'

/** Why messages left a subscriber's queue undelivered (the reasons of DESIGN.md §6's `dropped`). */
export interface SubscriberDropCounts {
  /** Evicted from the head (drop-oldest, or sample when it keeps an arrival). */
  readonly oldest: number
  /** Refused on arrival (drop-newest, block). */
  readonly newest: number
  /** Thinned out by the sample policy. */
  readonly sampled: number
  /** Left in the queue when it was drained (the subscriber went away). */
  readonly drained: number
}

/** Counters of one subscriber's outbox. `in = out + dropped + deferred + queued`. */
export interface OutboxCounters {
  readonly in: number
  readonly out: number
  readonly dropped: number
  /** `dropped` by reason (deferred messages excluded). */
  readonly droppedBy: SubscriberDropCounts
  readonly deferred: number
  readonly queued: number
  readonly inflight: number
  /** The highest QoS this subscriber has been sent. */
  readonly maxQos: 0 | 1 | 2
}

/** One subscriber's outbox. */
export interface SubscriberOutbox {
  readonly clientId: string
  readonly capacity: number
  readonly policy: QueuePolicy
  counters(): OutboxCounters
  /**
   * The queue as an outbound hop (DESIGN.md §6), closing its meter's interval at `now`. Deferred messages
   * are `dropped.left`: left at the broker for the persistent session, as an inbound hop counts them.
   */
  hopMetrics(now: number): HopMetrics
  /** Empties the queue when the client goes away, counting what was left (dropped or deferred). */
  close(): void
}

/** Options for {@link installOutbox}. */
export interface OutboxOptions {
  readonly capacity: number
  readonly policy: QueuePolicy
  /** Deliveries handed to Aedes but not yet written out; bounds what sits in the socket buffer. */
  readonly maxInflight?: number
  /**
   * Returns true when the session store refused this QoS>0 message for a persistent client (it was
   * counted there), so the live path must not deliver it: Aedes would fail to find it in the store.
   */
  readonly refusedBySession?: (clientId: string, packet: AedesPublishPacket) => boolean
  /** The clock of the hop meter (ms). Default `Date.now`. */
  readonly now?: () => number
}

interface Item {
  readonly packet: AedesPublishPacket
  /** Deliver through the original `deliver0` (QoS 0) rather than `deliverQoS`. */
  readonly qos0: boolean
  /** A QoS>0 message of a persistent session: it is also in the session store. */
  readonly stored: boolean
  /** When it was queued (ms), for the mean wait W. */
  readonly at: number
}

/**
 * Which counters of one broker were seen, among the last `size` (a power of two): one bit each, in a ring
 * indexed by the counter. Aedes numbers every packet a broker routes, one more each time
 * (aedes-packet: `++broker.counter`), so the ring moves on with the highest counter seen and forgets what
 * falls out of it.
 */
function createCounterWindow(size: number): (counter: number) => boolean {
  const bits = new Uint32Array(size >>> 5)
  const mask = size - 1
  let high = -1
  const flip = (counter: number, set: boolean): void => {
    const i = counter & mask
    if (set) bits[i >>> 5]! |= 1 << (i & 31)
    else bits[i >>> 5]! &= ~(1 << (i & 31))
  }
  return (counter) => {
    if (counter > high) {
      // The counters passed over are forgotten: their bits now stand for these newer ones.
      if (counter - high >= size) bits.fill(0)
      else for (let c = high + 1; c < counter; c++) flip(c, false)
      high = counter
      flip(counter, true)
      return true
    }
    if (counter <= high - size) return true // older than the window: no longer known
    const i = counter & mask
    if ((bits[i >>> 5]! >>> (i & 31)) & 1) return false
    flip(counter, true)
    return true
  }
}

/** Brokers whose counters a duplicate filter keeps (packets of older broker processes come from storage). */
const BROKERS_KEPT = 4

/**
 * The duplicate filter of one client: true the first time a packet is seen (packets without a broker
 * identity always pass). A packet's identity is its broker's id (one per broker process) and that broker's
 * counter; the filter knows the last `window` counters (a power of two) of each of the last
 * {@link BROKERS_KEPT} brokers it saw, a bit each. The same packet arrives once per matching subscription of
 * this client, at once or after a session store's write, so a short memory suffices; a packet older than
 * that passes.
 *
 * A bit per counter, not a set of the identities taken: the set's three hash operations per packet, in
 * tables of 4 096 entries per client, measured 0.07 µs a call in a loop of their own but 0.5–0.8 µs in the
 * mesh, among everything else its caches hold (the filter's closure was the single largest function of the
 * one process's profile at 100 sensors × 100 Hz, one sample per message; issue 16).
 */
export function createDuplicateFilter(
  window = 65_536,
): (packet: Pick<AedesPublishPacket, 'brokerId' | 'brokerCounter'>) => boolean {
  if (!Number.isInteger(Math.log2(window)) || window < 32)
    throw new RangeError(`window must be a power of two ≥ 32, got ${window}`)
  const brokers = new Map<string, (counter: number) => boolean>()
  let lastId = ''
  let last: ((counter: number) => boolean) | undefined
  return (packet) => {
    const id = packet.brokerId
    const counter = packet.brokerCounter
    if (id === undefined || id === '' || !Number.isSafeInteger(counter) || counter < 0) return true
    if (id !== lastId || last === undefined) {
      last = brokers.get(id)
      // Kept in the order last seen, so the one forgotten is the one unseen longest.
      if (last !== undefined) brokers.delete(id)
      else if (brokers.size === BROKERS_KEPT) brokers.delete(brokers.keys().next().value!)
      brokers.set(id, (last ??= createCounterWindow(window)))
      lastId = id
    }
    return last(counter)
  }
}

/** The queue's counters as the subscriber's: the stored messages that left it are deferred, not dropped. */
function outboxCounters(
  c: QueueCounters,
  deferredBy: Readonly<Record<keyof SubscriberDropCounts, number>>,
  inflight: number,
  maxQos: 0 | 1 | 2,
): OutboxCounters {
  const deferred = deferredBy.oldest + deferredBy.newest + deferredBy.sampled + deferredBy.drained
  return {
    in: c.arrived,
    out: c.delivered,
    dropped: c.droppedTotal - deferred,
    droppedBy: {
      oldest: c.dropped.oldest - deferredBy.oldest,
      newest: c.dropped.newest - deferredBy.newest,
      sampled: c.dropped.sampled - deferredBy.sampled,
      drained: c.drained - deferredBy.drained,
    },
    deferred,
    queued: c.queued,
    inflight,
    maxQos,
  }
}

/** The outbox as an outbound hop, its meter's interval closed at `at` (see {@link SubscriberOutbox}). */
function outboxHopMetrics(
  c: OutboxCounters,
  meter: HopMeter,
  options: OutboxOptions,
  at: number,
): HopMetrics {
  const snapshot = meter.snapshot(at, {
    length: c.queued,
    capacity: options.capacity,
    arrived: c.in,
    dropped: c.dropped,
  })
  return toHopMetrics({
    spec: { qos: c.maxQos, queue: { policy: options.policy } },
    direction: 'out',
    counters: { arrived: c.in, queued: c.queued, dropped: c.droppedBy },
    out: c.out,
    rejected: 0,
    extraDropped: { left: c.deferred },
    capacity: options.capacity,
    snapshot,
  })
}

/**
 * Replaces the client's delivery functions with `enqueue`, QoS 0 apart, leaving out the QoS>0 messages
 * the session store refused for a persistent client (`refusedBySession` counted them already).
 */
function routeIntoOutbox(
  internals: ClientInternals,
  enqueue: (packet: AedesPublishPacket, qos0: boolean) => void,
  refusedBySession: OutboxOptions['refusedBySession'],
): void {
  // Releasing the router on the next macrotask, never synchronously: mqemitter starts its next queued
  // message from inside this callback, and a synchronous release would recurse once per queued message.
  internals.deliver0 = function deliverToOutbox0(packet, cb) {
    enqueue(packet, true)
    setImmediate(cb)
  }
  internals.deliverQoS = function deliverToOutboxQoS(packet, cb) {
    if (packet.qos === 0) enqueue(packet, true)
    else if (internals.clean || refusedBySession?.(internals.id, packet) !== true)
      enqueue(packet, false)
    setImmediate(cb)
  }
}

/**
 * Installs a bounded outbox on an Aedes client. Call it before the client subscribes (the broker does it
 * as it hands the connection to Aedes, `connections.ts`), because each subscription captures the delivery
 * functions when it is added.
 *
 * @example
 * ```ts
 * const client = aedes.handle(socket)
 * outboxes.set(client, installOutbox(client, { capacity: 10_000, policy: 'drop-oldest' }))
 * ```
 */
export function installOutbox(client: Client, options: OutboxOptions): SubscriberOutbox {
  const internals = clientInternals(client)
  const original0: DeliverFunction = internals.deliver0
  const originalQoS: DeliverFunction = internals.deliverQoS
  const queue = createBoundedQueue<Item>({
    capacity: options.capacity,
    policy: options.policy === 'block' ? 'drop-newest' : options.policy,
    onEvict: (item) => {
      countLeaving(item, 'oldest')
    },
  })
  const now = options.now ?? Date.now
  const meter = createHopMeter({ now: now() })
  const maxInflight = options.maxInflight ?? 256
  // Without a drain timeout Aedes adds one 'drain' listener per waiting write (lib/client.js
  // waitForDrain); allow for all of them so Node does not warn about a leak.
  const conn = internals.conn
  conn.setMaxListeners(Math.max(conn.getMaxListeners(), maxInflight + 64))
  let inflight = 0
  const deferredBy: Record<keyof SubscriberDropCounts, number> = {
    oldest: 0,
    newest: 0,
    sampled: 0,
    drained: 0,
  }
  let maxQos: 0 | 1 | 2 = 0
  let pumpScheduled = false
  let closed = false
  const firstSight = createDuplicateFilter()

  // A stored message that leaves the live queue is deferred, not dropped: it stays in the session store.
  function countLeaving(item: Item, reason: keyof typeof deferredBy): void {
    if (item.stored) deferredBy[reason]++
  }

  function enqueue(packet: AedesPublishPacket, qos0: boolean): void {
    // Aedes stores QoS>0 messages for persistent sessions, except retained ones sent on SUBSCRIBE
    // (lib/client.js deliverQoS writes those directly).
    const stored = !qos0 && !internals.clean && !packet.retain
    if (closed || !firstSight(packet)) return
    if (!qos0 && packet.qos > maxQos) maxQos = packet.qos
    const at = now()
    const item: Item = { packet, qos0, stored, at }
    meter.arrive(at, 1)
    const outcome = queue.offer(item)
    if (!outcome.accepted) countLeaving(item, outcome.reason === 'sampled' ? 'sampled' : 'newest')
    meter.observeLength(at, queue.length)
    schedulePump()
  }

  function schedulePump(): void {
    if (pumpScheduled || closed) return
    pumpScheduled = true
    // A fresh macrotask per pump run keeps the stack flat however many messages are queued (the
    // "Maximum call stack size exceeded" floods in moscajs/aedes#77 and #193 were synchronous chains).
    setImmediate(pump)
  }

  function onWritten(): void {
    inflight--
    schedulePump()
  }

  function pump(): void {
    pumpScheduled = false
    const t = now()
    while (!closed && inflight < maxInflight && queue.length > 0) {
      if (internals.closed) {
        close()
        return
      }
      const item = queue.poll()!
      // The socket write is the service; its time is not measured, so μ is the throughput.
      meter.serve(t, 1, t - item.at, 0)
      inflight++
      // This packet is no duplicate (see firstSight): let Aedes' counter-order filter pass it.
      const id = item.packet.brokerId
      if (id !== undefined && id !== '') internals.duplicates[id] = item.packet.brokerCounter - 1
      // The original functions write to the socket and call back once the write is flushed or, when
      // the socket buffer is full, on 'drain' — so at most `maxInflight` writes ever wait on this socket.
      if (item.qos0) original0(item.packet, onWritten)
      else originalQoS(item.packet, onWritten)
    }
    meter.observeLength(t, queue.length)
  }

  routeIntoOutbox(internals, enqueue, options.refusedBySession)

  function close(): void {
    if (closed) return
    closed = true
    for (const item of queue.drain()) countLeaving(item, 'drained')
  }

  function counters(): OutboxCounters {
    return outboxCounters(queue.counters(), deferredBy, inflight, maxQos)
  }

  return {
    get clientId() {
      return internals.id
    },
    capacity: options.capacity,
    policy: options.policy,
    counters,
    hopMetrics: (at) => outboxHopMetrics(counters(), meter, options, at),
    close,
  }
}
