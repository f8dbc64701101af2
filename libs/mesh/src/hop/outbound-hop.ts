/**
 * @module hop/outbound-hop
 * An outbound hop: one publication of one service (DESIGN.md §5). `publish` puts the message in a bounded
 * queue with the hop's policy and returns at once; a pump hands messages to the transport while it is
 * connected, with at most `maxInFlight` unacknowledged (QoS 1 waits for each PUBACK), so a slow or absent
 * broker never blocks the data path and never grows memory: what does not fit is dropped by policy and
 * counted. Only under `block` does it push back: `publish` returns `false` when full (nothing is taken or
 * counted, like `stream.write`), and `ready()` resolves once there is room; `publishAsync` does both.
 * Holding messages in our queue while offline is also what bounds mqtt.js' offline queue.
 *
 * `publishConfirmed` is the same publish with a promise that resolves on the broker's acknowledgement
 * (PUBACK at QoS 1) and rejects with {@link MeshUnconfirmedError} if the message is dropped instead: an
 * inbound hop in `handled` mode passes it to `batch.ackAfter`, so the raw message is acknowledged only
 * once what was made from it is safe at the broker. Evictions are found without a callback from the
 * queue: messages carry a running number, and a confirmed one older than the queue's head was evicted.
 */
import {
  epochMs,
  readHopInterval,
  toHopMetrics,
  type DropReason,
  type HopMetrics,
} from '@sluice/contract'
import { createBoundedQueue, createHopMeter, type BoundedQueue } from '@sluice/stream'
import { MeshUnconfirmedError } from '../errors.js'
import { createSampledLog, silentLogger, type MeshLogger } from '../logger.js'
import type { Transport } from '../transport/transport.js'
import type { HopSpecBase } from './hop-spec.js'

/** What a service declares for an outbound hop. */
export interface OutboundHopSpec extends HopSpecBase {
  /** Publish with the retain flag. Default false. */
  readonly retain?: boolean
  /** Most messages handed to the transport and not yet acknowledged. Default 64. */
  readonly maxInFlight?: number
}

/** Per-message options of {@link OutboundHop.publish}. */
export interface OutboundPublishOptions {
  /** Ingest time of the newest sample in the message, for end-to-end latency up to the broker's ack. */
  readonly ingest?: number
  /**
   * Called with the message's samples if the hop drops it after taking it (evicted by policy, refused
   * by the transport, or still queued at shutdown); each drop is counted here too. A publisher uses it to
   * tell consumers downstream how many samples it dropped (the raw payload's `dropped`).
   */
  readonly onDropped?: (samples: number) => void
}

/** Dependencies of {@link createOutboundHop}. */
export interface OutboundHopDeps {
  readonly transport: Transport
  readonly log?: MeshLogger
  readonly now?: () => number
}

/** A running outbound hop. */
export interface OutboundHop {
  readonly name: string
  readonly spec: OutboundHopSpec
  /**
   * Queues a message that carries `samples` samples (default 1). Returns `true` when the hop took it
   * (queued, or dropped by policy and counted) and `false` only under `block` when full: then nothing
   * was taken; await `ready()` and publish it again.
   */
  publish(
    topic: string,
    payload: string | Uint8Array,
    samples?: number,
    options?: OutboundPublishOptions,
  ): boolean
  /**
   * Publishes (waiting for room under `block`) and resolves once the broker acknowledged the message;
   * rejects with {@link MeshUnconfirmedError} when it was dropped by policy, failed or shut down.
   *
   * @example
   * ```ts
   * batch.ackAfter(out.publishConfirmed(topic, encodeText(aggregate), aggregate.count))
   * ```
   */
  publishConfirmed(
    topic: string,
    payload: string | Uint8Array,
    samples?: number,
    options?: OutboundPublishOptions,
  ): Promise<void>
  /** Publishes, waiting for room under `block`. */
  publishAsync(
    topic: string,
    payload: string | Uint8Array,
    samples?: number,
    options?: OutboundPublishOptions,
  ): Promise<void>
  /** Resolves when the queue has room. */
  ready(): Promise<void>
  /** Samples queued now. */
  readonly length: number
  /**
   * True while a message published now would wait in the queue: messages are queued, `maxInFlight` are
   * awaiting the broker's acknowledgement, or the transport is down. A publisher that batches lingers
   * while the hop is busy and sends at once when it is not (see {@link OutboundHop.sendable}).
   */
  readonly busy: boolean
  /** Resolves once the hop is no longer {@link OutboundHop.busy} (at once if it is not). */
  sendable(): Promise<void>
  /**
   * Resolves true when everything queued is acknowledged, or false after `timeoutMs` (what is left is
   * counted as dropped, `shutdown`).
   */
  drain(timeoutMs: number): Promise<boolean>
  /** The hop's metrics for the interval ending now. */
  metrics(): HopMetrics
  /** Stops the pump and its connection listener. */
  close(): void
}

interface OutMessage {
  readonly topic: string
  readonly payload: string | Uint8Array
  readonly weight: number
  readonly at: number
  readonly ingest: number | undefined
  /** Time spent in our queue, set when handed to the transport. */
  waited: number
  /** Running number, to tell evicted confirmed messages (older than the queue's head). */
  readonly n: number
  readonly confirm: Confirm | undefined
}

interface Confirm {
  resolve(): void
  reject(err: Error): void
}

const defaultNow = epochMs

/**
 * Creates an outbound hop. Services get hops from `ctx.outbound(spec)`.
 *
 * @example
 * ```ts
 * const out = ctx.outbound({ name: 'window', qos: 1, queue: { capacity: 10_000, policy: 'drop-oldest' } })
 * out.publish(windowTopic(ctx.prefix, device, channel, 'w5s'), encodeText(aggregate), aggregate.count)
 * ```
 */
export function createOutboundHop(spec: OutboundHopSpec, deps: OutboundHopDeps): OutboundHop {
  const log = deps.log ?? silentLogger
  const now = deps.now ?? defaultNow
  const { transport } = deps
  const queue: BoundedQueue<OutMessage> = createBoundedQueue({
    capacity: spec.queue.capacity,
    policy: spec.queue.policy,
  })
  const meter = createHopMeter({ now: now() })
  const maxInFlight = spec.maxInFlight ?? 64
  const retain = spec.retain ?? false
  const warnFailed = createSampledLog(log, 'warn', 100)
  let inFlight = 0
  let out = 0
  let failed = 0
  let droppedShutdown = 0
  let closed = false
  let roomWaiters: (() => void)[] = []
  let counter = 0
  /** Confirmed messages still in the queue, oldest first. */
  const confirming: OutMessage[] = []
  let confirmingHead = 0

  function unconfirmed(
    m: OutMessage,
    reason: MeshUnconfirmedError['reason'],
    cause?: unknown,
  ): void {
    m.confirm?.reject(
      new MeshUnconfirmedError(
        reason,
        `Hop ${spec.name} did not deliver a message to ${m.topic} (${reason}).`,
        cause === undefined ? undefined : { cause },
      ),
    )
  }

  /** Rejects the confirmed messages the queue evicted: those older than its head (or all, if empty). */
  function rejectEvicted(reason: Extract<DropReason, 'oldest' | 'sampled'>): void {
    const head = queue.peek()
    while (confirmingHead < confirming.length) {
      const m = confirming[confirmingHead]!
      if (head !== undefined && m.n >= head.n) break
      confirming[confirmingHead++] = undefined as unknown as OutMessage
      unconfirmed(m, reason)
    }
    compactConfirming()
  }

  /**
   * Takes `m` off the confirmed list when the pump hands it on: evictions are rejected when they happen,
   * so the oldest confirmed message left is the one the queue yields first.
   */
  function handOn(m: OutMessage): void {
    if (confirming[confirmingHead] !== m) return
    confirming[confirmingHead++] = undefined as unknown as OutMessage
    compactConfirming()
  }

  function compactConfirming(): void {
    if (confirmingHead > 1024 && confirmingHead * 2 > confirming.length) {
      confirming.splice(0, confirmingHead)
      confirmingHead = 0
    } else if (confirmingHead === confirming.length) {
      confirming.length = 0
      confirmingHead = 0
    }
  }
  let idleWaiters: (() => void)[] = []
  let sendableWaiters: (() => void)[] = []

  function isBusy(): boolean {
    return queue.size > 0 || inFlight >= maxInFlight || !transport.connected
  }

  function wakeSendable(): void {
    if (sendableWaiters.length === 0 || isBusy()) return
    const w = sendableWaiters
    sendableWaiters = []
    for (const f of w) f()
  }

  function wakeRoom(): void {
    if (roomWaiters.length === 0 || queue.free === 0) return
    const w = roomWaiters
    roomWaiters = []
    for (const f of w) f()
  }

  function checkIdle(): void {
    if (queue.size > 0 || inFlight > 0 || idleWaiters.length === 0) return
    const w = idleWaiters
    idleWaiters = []
    for (const f of w) f()
  }

  function settle(m: OutMessage, ok: boolean, err?: unknown): void {
    inFlight--
    const t = now()
    if (ok) {
      m.confirm?.resolve()
      out += m.weight
      // Busy time is not measurable per message with several in flight: μ is then the throughput.
      meter.serve(t, m.weight, m.waited, 0)
      if (m.ingest !== undefined) meter.recordLatency(t - m.ingest)
    } else {
      failed += m.weight
      unconfirmed(m, 'failed', err)
      warnFailed({ err, hop: spec.name, topic: m.topic, failed }, 'publish failed; message dropped')
    }
    pump()
    checkIdle()
  }

  function pump(): void {
    if (closed) return
    while (inFlight < maxInFlight && queue.size > 0 && transport.connected) {
      const m = queue.poll()!
      if (m.confirm !== undefined) handOn(m)
      const t = now()
      meter.observeLength(t, queue.length)
      inFlight++
      // W is the time in our queue; the time in flight shows up in the latency instead.
      m.waited = t - m.at
      transport.publish(m.topic, m.payload, { qos: spec.qos, retain }).then(
        () => settle(m, true),
        (err: unknown) => settle(m, false, err),
      )
    }
    wakeRoom()
    wakeSendable()
  }
  const offEvent = transport.onEvent((e) => {
    if (e.type === 'connect') pump()
  })

  function offer(m: OutMessage): boolean {
    const r = queue.offer(m, m.weight)
    if (!r.accepted && r.reason === 'full') return false
    if (!r.accepted) unconfirmed(m, r.reason)
    else {
      if (r.evicted > 0 && confirming.length > confirmingHead)
        rejectEvicted(spec.queue.policy === 'sample' ? 'sampled' : 'oldest')
      if (m.confirm !== undefined) confirming.push(m)
    }
    meter.arrive(m.at, m.weight)
    meter.observeLength(m.at, queue.length)
    pump()
    return true
  }

  const hop: OutboundHop = {
    name: spec.name,
    spec,
    get length() {
      return queue.length
    },
    get busy() {
      return isBusy()
    },
    sendable() {
      if (!isBusy()) return Promise.resolve()
      return new Promise<void>((resolve) => sendableWaiters.push(resolve))
    },
    publish(topic, payload, samples = 1, options = {}) {
      const onDropped = options.onDropped
      return offer({
        topic,
        payload,
        weight: samples,
        at: now(),
        ingest: options.ingest,
        waited: 0,
        n: ++counter,
        // A drop callback rides on the confirmation's tracking of evictions, failures and shutdown.
        confirm:
          onDropped === undefined
            ? undefined
            : { resolve: () => undefined, reject: () => onDropped(samples) },
      })
    },
    async publishConfirmed(topic, payload, samples = 1, options = {}) {
      let confirm!: Confirm
      const acked = new Promise<void>((resolve, reject) => (confirm = { resolve, reject }))
      for (;;) {
        const m: OutMessage = {
          topic,
          payload,
          weight: samples,
          at: now(),
          ingest: options.ingest,
          waited: 0,
          n: ++counter,
          confirm,
        }
        if (offer(m)) break
        await hop.ready()
        if (closed) {
          unconfirmed(m, 'shutdown')
          break
        }
      }
      return acked
    },
    async publishAsync(topic, payload, samples = 1, options = {}) {
      while (!hop.publish(topic, payload, samples, options)) {
        await hop.ready()
        // Closed while full: nothing will make room; the message was never taken (not counted).
        if (closed) return
      }
    },
    ready() {
      // A closed hop takes nothing more: resolve at once so a waiting publisher sees `closed` and stops.
      if (queue.free > 0 || closed) return Promise.resolve()
      return new Promise<void>((resolve) => roomWaiters.push(resolve))
    },
    drain(timeoutMs: number): Promise<boolean> {
      pump()
      if (queue.size === 0 && inFlight === 0) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const onIdle = (): void => {
          clearTimeout(timer)
          resolve(true)
        }
        const timer = setTimeout(() => {
          idleWaiters = idleWaiters.filter((w) => w !== onIdle)
          for (let m = queue.poll(); m !== undefined; m = queue.poll()) {
            droppedShutdown += m.weight
            unconfirmed(m, 'shutdown')
          }
          confirming.length = 0
          confirmingHead = 0
          resolve(false)
        }, timeoutMs)
        idleWaiters.push(onIdle)
      })
    },
    metrics(): HopMetrics {
      const { counters, snapshot } = readHopInterval(queue, meter, now())
      return toHopMetrics({
        spec,
        direction: 'out',
        counters,
        out,
        rejected: 0,
        extraDropped: { failed, shutdown: droppedShutdown },
        capacity: queue.capacity,
        snapshot,
      })
    },
    close() {
      closed = true
      offEvent()
      const w = roomWaiters
      roomWaiters = []
      for (const f of w) f()
    },
  }
  return hop
}
