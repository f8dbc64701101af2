/**
 * @module detect/rolling-moments
 * Mean and variance of the last `window` values in O(1) per value, for the rolling z-score detector. A ring
 * buffer remembers the values so the oldest can be taken out again; Welford's update (Welford 1962; the
 * removal form from Chan, Golub & LeVeque 1983, "Algorithms for computing the sample variance") adds and
 * removes one value without catastrophic cancellation. Adding and removing still accumulates rounding, so
 * the sums are recomputed from the buffer once every `window` values: O(window) work every `window`
 * values, O(1) amortised.
 */

/** Rolling mean and population variance over a fixed-size window. */
export interface RollingMoments {
  /** Values currently in the window (≤ `window`). */
  readonly count: number
  readonly mean: number
  /** Population variance (divides by `count`); 0 with fewer than 2 values. */
  readonly variance: number
  /** Adds a value, evicting the oldest when the window is full. */
  push(value: number): void
  clear(): void
}

/**
 * Creates an empty {@link RollingMoments} over the last `window` values.
 *
 * @example
 * const m = createRollingMoments(3)
 * for (const v of [1, 2, 3, 4]) m.push(v)
 * m.mean // 3 (window holds 2, 3, 4)
 */
export function createRollingMoments(window: number): RollingMoments {
  const ring = new Float64Array(window)
  let head = 0
  let count = 0
  let mean = 0
  let m2 = 0
  let sinceRecompute = 0

  const recompute = (): void => {
    let sum = 0
    for (let i = 0; i < count; i++) sum += ring[i]!
    mean = count > 0 ? sum / count : 0
    let acc = 0
    for (let i = 0; i < count; i++) {
      const d = ring[i]! - mean
      acc += d * d
    }
    m2 = acc
  }

  return {
    get count() {
      return count
    },
    get mean() {
      return mean
    },
    get variance() {
      return count > 1 ? Math.max(0, m2) / count : 0
    },
    push(value) {
      if (count === window) {
        const old = ring[head]!
        if (count === 1) {
          mean = 0
          m2 = 0
        } else {
          const d = old - mean
          mean -= d / (count - 1)
          m2 -= d * (old - mean)
        }
        count--
      }
      ring[head] = value
      head = (head + 1) % window
      count++
      const d = value - mean
      mean += d / count
      m2 += d * (value - mean)
      if (++sinceRecompute >= window && count === window) {
        sinceRecompute = 0
        recompute()
      }
    },
    clear() {
      head = 0
      count = 0
      mean = 0
      m2 = 0
      sinceRecompute = 0
    },
  }
}
