/**
 * @module hop/hop-metrics
 * Turns a hop's queue counters and meter snapshot into the metrics payload of one hop (DESIGN.md §6,
 * `HopMetrics` of `@sluice/contract`). Values JSON cannot carry (ρ = ∞ when a consumer stalls) are
 * omitted, as the contract says, rather than sent as null.
 */
import type { DropReason, HopMetrics } from '@sluice/contract'
import type { BoundedQueue, HopMeter, HopMeterSnapshot, QueueCounters } from '@sluice/stream'
import type { HopSpecBase } from './hop-spec.js'

/** Rounds to 3 decimals: metrics are for people and dashboards, not for bit-exact comparison. */
function r3(x: number): number {
  return Math.round(x * 1000) / 1000
}

/** The inputs of {@link toHopMetrics}. */
export interface HopMetricsInput {
  readonly spec: HopSpecBase
  readonly direction: 'in' | 'out'
  readonly topic?: string
  readonly counters: QueueCounters
  /** Samples passed on (to the handler, or acknowledged by the broker). */
  readonly out: number
  readonly rejected: number
  /** Hop-specific drops beyond the queue's (e.g. `shutdown`, `failed`). */
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

/** Builds one hop's metrics payload. */
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
 * hop's `metrics()`, before {@link toHopMetrics}.
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
