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
import { epochMs, readHopInterval, toHopMetrics, type HopMetrics } from '@sluice/contract'
import { createBoundedQueue, createHopMeter, type BoundedQueue } from '@sluice/stream'
import { silentLogger, type MeshLogger } from '../logger.js'
import type { Transport } from '../transport/transport.js'
import type { HopSpecBase } from './hop-spec.js'
import { createConfirmations, type Confirm, type OutMessage } from './outbound-confirm.js'
import { createOutboundPump } from './outbound-pump.js'

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
  const now = deps.now ?? defaultNow
  const queue: BoundedQueue<OutMessage> = createBoundedQueue({
    capacity: spec.queue.capacity,
    policy: spec.queue.policy,
  })
  const meter = createHopMeter({ now: now() })
  const confirmations = createConfirmations(spec.name, queue)
  const pump = createOutboundPump(spec, {
    transport: deps.transport,
    queue,
    meter,
    confirmations,
    now,
    log: deps.log ?? silentLogger,
  })
  let droppedShutdown = 0
  let counter = 0

  function message(
    topic: string,
    payload: string | Uint8Array,
    samples: number,
    ingest: number | undefined,
    confirm: Confirm | undefined,
  ): OutMessage {
    return { topic, payload, weight: samples, at: now(), ingest, waited: 0, n: ++counter, confirm }
  }

  function offer(m: OutMessage): boolean {
    const r = queue.offer(m, m.weight)
    if (!r.accepted && r.reason === 'full') return false
    if (!r.accepted) confirmations.unconfirmed(m, r.reason)
    else {
      if (r.evicted > 0 && confirmations.pending)
        confirmations.rejectEvicted(spec.queue.policy === 'sample' ? 'sampled' : 'oldest')
      if (m.confirm !== undefined) confirmations.track(m)
    }
    meter.arrive(m.at, m.weight)
    meter.observeLength(m.at, queue.length)
    pump.pump()
    return true
  }

  /** Counts what is still queued as dropped at shutdown and rejects its confirmations. */
  function dropQueued(): void {
    for (let m = queue.poll(); m !== undefined; m = queue.poll()) {
      droppedShutdown += m.weight
      confirmations.unconfirmed(m, 'shutdown')
    }
    confirmations.clear()
  }

  const hop: OutboundHop = {
    name: spec.name,
    spec,
    get length() {
      return queue.length
    },
    get busy() {
      return pump.busy
    },
    sendable: () => pump.sendable(),
    publish(topic, payload, samples = 1, options = {}) {
      const onDropped = options.onDropped
      // A drop callback rides on the confirmation's tracking of evictions, failures and shutdown.
      const confirm =
        onDropped === undefined
          ? undefined
          : { resolve: () => undefined, reject: () => onDropped(samples) }
      return offer(message(topic, payload, samples, options.ingest, confirm))
    },
    async publishConfirmed(topic, payload, samples = 1, options = {}) {
      let confirm!: Confirm
      const acked = new Promise<void>((resolve, reject) => (confirm = { resolve, reject }))
      for (;;) {
        const m = message(topic, payload, samples, options.ingest, confirm)
        if (offer(m)) break
        await hop.ready()
        if (pump.closed) {
          confirmations.unconfirmed(m, 'shutdown')
          break
        }
      }
      return acked
    },
    async publishAsync(topic, payload, samples = 1, options = {}) {
      while (!hop.publish(topic, payload, samples, options)) {
        await hop.ready()
        // Closed while full: nothing will make room; the message was never taken (not counted).
        if (pump.closed) return
      }
    },
    ready: () => pump.ready(),
    drain(timeoutMs: number): Promise<boolean> {
      pump.pump()
      if (queue.size === 0 && pump.inFlight === 0) return Promise.resolve(true)
      return pump.whenIdle(timeoutMs, dropQueued)
    },
    metrics(): HopMetrics {
      const { counters, snapshot } = readHopInterval(queue, meter, now())
      return toHopMetrics({
        spec,
        direction: 'out',
        counters,
        out: pump.out,
        rejected: 0,
        extraDropped: { failed: pump.failed, shutdown: droppedShutdown },
        capacity: queue.capacity,
        snapshot,
      })
    },
    close: () => pump.close(),
  }
  return hop
}
