/**
 * @module stats/batch-stats
 * Statistics of a whole array at once, by the textbook two-pass method. It is O(n) per call: the reference
 * the incremental windows are checked against, and the naive baseline they are benchmarked against.
 */

/** Count, mean, sample standard deviation (n − 1 denominator, 0 when n < 2), min and max. */
export interface BatchStats {
  readonly count: number
  readonly mean: number
  readonly std: number
  readonly min: number
  readonly max: number
}

/**
 * Two-pass statistics over `values[from, to)`: the mean first, then the sum of squared deviations from it,
 * which avoids the cancellation of the one-pass Σx² − n·mean² formula.
 *
 * @example
 * ```ts
 * batchStats([1, 2, 3]) // { count: 3, mean: 2, std: 1, min: 1, max: 3 }
 * ```
 */
export function batchStats(
  values: ArrayLike<number>,
  from = 0,
  to: number = values.length,
): BatchStats {
  const n = to - from
  if (n <= 0) return { count: 0, mean: NaN, std: 0, min: NaN, max: NaN }
  let sum = 0
  let min = Infinity
  let max = -Infinity
  for (let i = from; i < to; i++) {
    const x = values[i]!
    sum += x
    if (x < min) min = x
    if (x > max) max = x
  }
  const mean = sum / n
  let ss = 0
  for (let i = from; i < to; i++) {
    const d = values[i]! - mean
    ss += d * d
  }
  return { count: n, mean, std: n < 2 ? 0 : Math.sqrt(ss / (n - 1)), min, max }
}
