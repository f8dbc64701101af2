/**
 * @module lab/hop-series
 * One hop's metrics over an experiment: the per-second (or faster) metrics messages a service publishes,
 * reduced to what a lab table shows. Counters in metrics are cumulative, so rates and drop shares come from
 * differences between two messages. Pure.
 */
import type { HopMetrics, ServiceMetrics } from '@sluice/contract'
import { LabTimeoutError } from './errors.js'
import { mean } from './table.js'

/** One metrics message of one hop, with its time. */
export interface HopPoint {
  /** Seconds since `t0`. */
  readonly s: number
  readonly m: HopMetrics
}

/** The hop's metrics over time, `s` counted from `t0` (ms since the epoch). */
export function hopSeries(metrics: readonly ServiceMetrics[], hop: string, t0: number): HopPoint[] {
  const out: HopPoint[] = []
  for (const sm of metrics) {
    const m = sm.hops[hop]
    if (m !== undefined) out.push({ s: (sm.t - t0) / 1000, m })
  }
  return out
}

/** Every drop of a hop, whatever the reason. */
export function droppedTotal(m: HopMetrics): number {
  return Object.values(m.dropped).reduce((a, b) => a + b, 0)
}

/** What a hop did between two times (s): arrivals, deliveries, drops, and means of the meters. */
export interface HopSummary {
  readonly arrived: number
  readonly delivered: number
  readonly dropped: number
  /** dropped / arrived. */
  readonly dropRate: number
  /** Arrivals and deliveries per second. */
  readonly lambda: number
  readonly mu: number
  /**
   * Little's L = λW, with λ the samples that entered the queue per second (arrivals minus those refused
   * at the door: `newest`, `sampled`; an evicted sample did wait) and W the published mean wait.
   */
  readonly littlesL: number
  readonly meanLength: number
  /** Mean wait in the queue (ms). */
  readonly waitMs: number
  /** Means of the per-interval latency percentiles (ms from ingest). */
  readonly p50: number
  readonly p95: number
}

/** Summarises a hop between `from` and `to` seconds (the first point at or after each). */
export function summarise(series: readonly HopPoint[], from: number, to: number): HopSummary {
  const inside = series.filter((p) => p.s >= from && p.s <= to)
  const a = inside[0]
  const b = inside[inside.length - 1]
  if (a === undefined || b === undefined || a === b)
    throw new LabTimeoutError(`no metrics between ${from} s and ${to} s: the run was too short`)
  const secs = b.s - a.s
  const arrived = b.m.in - a.m.in
  const dropped = droppedTotal(b.m) - droppedTotal(a.m)
  const delivered = b.m.out - a.m.out
  const refused = (m: HopMetrics): number => (m.dropped.newest ?? 0) + (m.dropped.sampled ?? 0)
  const entered = arrived - (refused(b.m) - refused(a.m))
  const rest = inside.slice(1)
  const waitMs = mean(rest.flatMap((p) => (p.m.w === undefined ? [] : [p.m.w])))
  const lat = rest.flatMap((p) => (p.m.latency === undefined ? [] : [p.m.latency]))
  return {
    arrived,
    delivered,
    dropped,
    dropRate: arrived > 0 ? dropped / arrived : 0,
    lambda: arrived / secs,
    mu: delivered / secs,
    littlesL: ((entered / secs) * waitMs) / 1000,
    meanLength: mean(rest.flatMap((p) => (p.m.lMeasured === undefined ? [] : [p.m.lMeasured]))),
    waitMs,
    p50: mean(lat.map((l) => l.p50)),
    p95: mean(lat.map((l) => l.p95)),
  }
}
