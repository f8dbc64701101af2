/**
 * @module hop-metrics
 * The one builder of a hop's metrics payload (DESIGN.md §6, {@link HopMetrics}): from what the hop declares
 * (QoS, policy), its counters and one interval of its `libs/stream` hop meter. Mesh hops, the forwarder's
 * sink hops and the broker's subscriber queues all publish through it, so every hop rounds, omits and names
 * its fields alike. Values JSON cannot carry (ρ = ∞ when a consumer stalls) are omitted, as the contract
 * says, rather than sent as null. It reads the stream library's types only, so the contract stays
 * browser-safe and free of stream code.
 */
import type {
  BoundedQueue,
  DropCounts,
  HopMeter,
  HopMeterSnapshot,
  QueueCounters,
} from '@sluice/stream'
import type { DropReason, HopMetrics, HopPolicy } from './payloads/metrics.js'

/** Rounds to 3 decimals: metrics are for people and dashboards, not for bit-exact comparison. */
function r3(x: number): number {
  return Math.round(x * 1000) / 1000
}

/** What a hop declares, as far as its metrics tell (a mesh `HopSpecBase` is one). */
export interface HopMetricsSpec {
  readonly qos: HopMetrics['qos']
  readonly queue: { readonly policy: HopPolicy }
}

/** A hop's cumulative counters, in samples (a stream `QueueCounters` is one). */
export interface HopMetricsCounters {
  readonly arrived: number
  readonly queued: number
  /** The queue policy's drops, published with zeros; omit for a hop without a bounded queue. */
  readonly dropped?: DropCounts
}

/** The inputs of {@link toHopMetrics}. */
export interface HopMetricsInput {
  readonly spec: HopMetricsSpec
  readonly direction: 'in' | 'out'
  readonly topic?: string
  readonly counters: HopMetricsCounters
  /** Samples passed on (to the handler, to the socket, or acknowledged by the broker or sink). */
  readonly out: number
  readonly rejected: number
  /** Hop-specific drops beyond the queue's (e.g. `shutdown`, `failed`); zeros are left out. */
  readonly extraDropped?: Readonly<Partial<Record<DropReason, number>>>
  /** Samples taken in without passing through the queue (dropped at intake, say); added to `in`. */
  readonly extraIn?: number
  /** Samples out of the queue but not yet out or dropped (the batch being handled); added to `queue.length`. */
  readonly inFlight?: number
  readonly capacity: number
  readonly snapshot: HopMeterSnapshot
  readonly gaps?: number
  readonly unexplainedLoss?: number
}

/**
 * Builds one hop's metrics payload.
 *
 * @example
 * ```ts
 * const { counters, snapshot } = readHopInterval(queue, meter, Date.now())
 * const m = toHopMetrics({
 *   spec: { qos: 1, queue: { policy: 'drop-oldest' } },
 *   direction: 'in',
 *   counters,
 *   out: 120,
 *   rejected: 0,
 *   capacity: queue.capacity,
 *   snapshot,
 * })
 * m.state // 'ok'
 * ```
 */
export function toHopMetrics(input: HopMetricsInput): HopMetrics {
  const s = input.snapshot
  const c = input.counters
  const dropped: Record<string, number> = { ...c.dropped }
  for (const [k, v] of Object.entries(input.extraDropped ?? {})) if (v > 0) dropped[k] = v
  const m: HopMetrics = {
    direction: input.direction,
    qos: input.spec.qos,
    policy: input.spec.queue.policy,
    in: c.arrived + (input.extraIn ?? 0),
    out: input.out,
    dropped,
    rejected: input.rejected,
    queue: { length: c.queued + (input.inFlight ?? 0), capacity: input.capacity },
    lambda: r3(s.lambda),
    mu: r3(s.mu),
    w: r3(s.meanWaitMs),
    l: r3(s.littlesL),
    lMeasured: r3(s.meanQueueLength),
    state: s.state,
  }
  if (input.topic !== undefined) m.topic = input.topic
  if (Number.isFinite(s.rho)) m.rho = r3(s.rho)
  if (s.latency.count > 0) {
    m.latency = { p50: r3(s.latency.p50), p95: r3(s.latency.p95), p99: r3(s.latency.p99) }
  }
  if (input.gaps !== undefined) m.gaps = input.gaps
  if (input.unexplainedLoss !== undefined) m.unexplainedLoss = input.unexplainedLoss
  return m
}

/**
 * Reads a hop's queue counters and closes its meter's interval at `now`: the common first half of every
 * queue-backed hop's `metrics()`, before {@link toHopMetrics}.
 *
 * @example
 * ```ts
 * const { counters, snapshot } = readHopInterval(queue, meter, Date.now())
 * ```
 */
export function readHopInterval(
  queue: BoundedQueue<unknown>,
  meter: HopMeter,
  now: number,
): { readonly counters: QueueCounters; readonly snapshot: HopMeterSnapshot } {
  const counters = queue.counters()
  const snapshot = meter.snapshot(now, {
    length: queue.length,
    capacity: queue.capacity,
    arrived: counters.arrived,
    dropped: counters.droppedTotal,
  })
  return { counters, snapshot }
}
