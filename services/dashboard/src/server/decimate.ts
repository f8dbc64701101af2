/**
 * @module server/decimate
 * Min/max decimation of one sensor's raw samples for display: when a frame holds more samples of a sensor
 * than a chart can use, the run is cut into buckets and each bucket keeps its lowest and its highest sample,
 * in time order. Lines drawn through those keep every peak and trough (a spike stays visible), which plain
 * every-k-th sampling would lose. The idea is the M4 aggregation of Jugel et al., "M4: A Visualization-
 * Oriented Time Series Data Aggregation", VLDB 2014, without the first/last points.
 */
import type { SampleColumns } from '../protocol.js'

/**
 * Returns at most `max` samples of `cols` (the same object when it is short enough): per bucket, its min
 * and max samples in their original order.
 *
 * @example
 * ```ts
 * decimateMinMax({ seq: [1, 2, 3, 4], t: [1, 2, 3, 4], v: [5, 9, 1, 5], i: [1, 2, 3, 4] }, 2).v // [9, 1]
 * ```
 */
export function decimateMinMax(cols: SampleColumns, max: number): SampleColumns {
  const n = cols.v.length
  if (n <= max) return cols
  const buckets = Math.max(1, Math.floor(max / 2))
  const out: SampleColumns = { seq: [], t: [], v: [], i: [] }
  const push = (k: number): void => {
    out.seq.push(cols.seq[k]!)
    out.t.push(cols.t[k]!)
    out.v.push(cols.v[k]!)
    out.i.push(cols.i[k]!)
  }
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets)
    const to = Math.floor(((b + 1) * n) / buckets)
    let lo = from
    let hi = from
    for (let k = from + 1; k < to; k++) {
      const v = cols.v[k]!
      if (v < cols.v[lo]!) lo = k
      if (v > cols.v[hi]!) hi = k
    }
    if (lo === hi) push(lo)
    else if (lo < hi) {
      push(lo)
      push(hi)
    } else {
      push(hi)
      push(lo)
    }
  }
  return out
}
