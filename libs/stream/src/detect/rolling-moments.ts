/**
 * @module detect/rolling-moments
 * Mean and variance of the last `window` values in O(1) per value, for the rolling z-score detector. A ring
 * buffer remembers the values so the oldest can be taken out again; Welford's update (Welford 1962; the
 * removal form from Chan, Golub & LeVeque 1983, "Algorithms for computing the sample variance") adds and
 * removes one value without catastrophic cancellation. Adding and removing still accumulates rounding, so
 * the sums are recomputed from the buffer once every `window` values: O(window) work every `window`
 * values, O(1) amortised.
 */

import type { StateObject, StateReader } from '../state/json-state.js'

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
  /**
   * The whole state (issue 13). The ring is kept as laid out, not oldest first: the periodic recomputation
   * sums it in that order, so a restored window rounds the same way.
   */
  saveState(): Record<string, unknown>
  /** Restores a decoded {@link RollingMoments.saveState}, checked with `r`; unchanged if it throws. */
  loadState(r: StateReader, s: StateObject, path: string): void
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
  let sinceRecompute = 0
  // The mean and the sum of squared deviations, in a typed array rather than two `let`s: a closure's
  // variable holds a double as a heap object, so each update of one allocated a new number (two per
  // sample, issue 16); an element of a Float64Array is written in place.
  const m = new Float64Array(2)
  const MEAN = 0
  const M2 = 1

  const recompute = (): void => {
    let sum = 0
    for (let i = 0; i < count; i++) sum += ring[i]!
    const mean = count > 0 ? sum / count : 0
    let acc = 0
    for (let i = 0; i < count; i++) {
      const d = ring[i]! - mean
      acc += d * d
    }
    m[MEAN] = mean
    m[M2] = acc
  }

  return {
    get count() {
      return count
    },
    get mean() {
      return m[MEAN]!
    },
    get variance() {
      return count > 1 ? Math.max(0, m[M2]!) / count : 0
    },
    push(value) {
      let mean = m[MEAN]!
      let m2 = m[M2]!
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
      m[MEAN] = mean
      m[M2] = m2
      if (++sinceRecompute >= window && count === window) {
        sinceRecompute = 0
        recompute()
      }
    },
    clear() {
      head = 0
      count = 0
      m.fill(0)
      sinceRecompute = 0
    },
    saveState: () => ({
      ring: Array.from(ring),
      head,
      count,
      mean: m[MEAN]!,
      m2: m[M2]!,
      sinceRecompute,
    }),
    loadState(r, s, path) {
      const values = r.numbers(s.ring, `${path}.ring`, window)
      const h = r.integer(s.head, `${path}.head`)
      const c = r.integer(s.count, `${path}.count`)
      if (h >= window || c > window) r.fail(path, `does not fit a window of ${window}`)
      const nextMean = r.number(s.mean, `${path}.mean`)
      const nextM2 = r.number(s.m2, `${path}.m2`)
      const since = r.integer(s.sinceRecompute, `${path}.sinceRecompute`)
      ring.set(values)
      head = h
      count = c
      m[MEAN] = nextMean
      m[M2] = nextM2
      sinceRecompute = since
    },
  }
}
