/**
 * @module windows/aggregate
 * The window aggregate every window operator emits, and which the windowing service publishes on
 * `{prefix}/{device}/{channel}/window/{name}` (DESIGN.md §4).
 */
import type { RunningStats } from '../stats/running-stats.js'

/** How a window advances: see {@link windowKind}. */
export type WindowKind = 'tumbling' | 'hopping' | 'sliding' | 'session'

/**
 * One window's statistics. Times are milliseconds since the epoch (event time).
 *
 * - `start`/`end`: for count windows, the event times of the first and last sample; for time windows, the
 *   window's bounds `[start, end)`; for sessions, the event times of the earliest and latest sample.
 * - `std` is the *sample* standard deviation (n − 1 denominator), 0 when `count` < 2.
 * - `first`/`last`: the values of the first and last sample — in arrival order for count windows, in event
 *   time order for time windows and sessions (on equal times, the earlier arrival is first, the later last).
 *   `seqFrom`/`seqTo` are those two samples' sequence numbers.
 * - `late`: samples the operator has dropped as too late so far (0 for count windows).
 * - `ingestMax`: the latest `ingest` among the window's samples; latency is measured from it.
 */
export interface WindowAggregate {
  window: string
  kind: WindowKind
  start: number
  end: number
  count: number
  mean: number
  std: number
  min: number
  max: number
  first: number
  last: number
  seqFrom: number
  seqTo: number
  late: number
  ingestMax: number
}

/** Receives each aggregate a window operator emits. The operator never keeps or reuses it. */
export type EmitAggregate = (aggregate: WindowAggregate) => void

/**
 * Builds the aggregate of a window whose statistics are held in a {@link RunningStats} (time windows and
 * sessions); only the bounds and the late count differ between them. Internal: not exported from the
 * package.
 */
export function aggregateFromStats(
  s: RunningStats,
  window: string,
  kind: WindowKind,
  start: number,
  end: number,
  late: number,
): WindowAggregate {
  return {
    window,
    kind,
    start,
    end,
    count: s.n,
    mean: s.mean,
    std: s.std,
    min: s.min,
    max: s.max,
    first: s.first,
    last: s.last,
    seqFrom: s.firstSeq,
    seqTo: s.lastSeq,
    late,
    ingestMax: s.ingestMax,
  }
}
