/**
 * @module meter/rate-meter
 * A sliding-window event-rate meter (events per second) with bounded memory: the window is cut into a fixed
 * number of buckets, so recording is O(1) and the memory never depends on the rate. Time is passed in
 * (milliseconds), which keeps the meter pure and testable with fake time. A hop meter uses three: arrivals
 * (λ), services and busy time (together μ), DESIGN.md §6.
 */

/** Options for {@link createRateMeter}. */
export interface RateMeterOptions {
  /** Length of the sliding window in ms. Default 5000. */
  readonly windowMs?: number
  /** Number of buckets the window is cut into. Default 10. */
  readonly buckets?: number
}

/** A sliding-window rate meter. */
export interface RateMeter {
  /** Records `count` events at time `now` (ms). */
  record(now: number, count?: number): void
  /**
   * Events per second over the last window ending at `now`. Before a whole window has passed since the
   * first event, the rate is taken over the time observed so far, so a fresh meter is not biased low.
   */
  rate(now: number): number
  /** Total events ever recorded. */
  readonly total: number
}

/**
 * Creates a sliding-window rate meter.
 *
 * @example
 * ```ts
 * const m = createRateMeter({ windowMs: 1000 })
 * for (let t = 0; t < 1000; t += 10) m.record(t)
 * m.rate(1000) // ≈ 100 events/s
 * ```
 */
export function createRateMeter(options: RateMeterOptions = {}): RateMeter {
  const windowMs = options.windowMs ?? 5000
  const n = options.buckets ?? 10
  if (!(windowMs > 0) || !Number.isInteger(n) || n < 1) {
    throw new RangeError('rate meter needs windowMs > 0 and an integer buckets ≥ 1')
  }
  const bucketMs = windowMs / n
  const counts = new Float64Array(n)
  // Index of the bucket that holds the most recent time, as an absolute bucket number.
  let current = Number.NaN
  let first = Number.NaN
  let total = 0

  function advance(now: number): void {
    const b = Math.floor(now / bucketMs)
    if (Number.isNaN(current)) {
      current = b
      return
    }
    if (b <= current) return
    // Clear every bucket we skipped over (at most all n of them).
    const steps = Math.min(b - current, n)
    for (let i = 1; i <= steps; i++) counts[(((current + i) % n) + n) % n] = 0
    current = b
  }

  return {
    record(now: number, count = 1): void {
      if (Number.isNaN(first)) first = now
      advance(now)
      const b = Math.floor(now / bucketMs)
      // An event older than the window is ignored for the rate (it still counts in `total`).
      if (b > current - n) counts[((b % n) + n) % n]! += count
      total += count
    },
    rate(now: number): number {
      if (Number.isNaN(first)) return 0
      advance(now)
      let sum = 0
      for (let i = 0; i < n; i++) sum += counts[i]!
      // The window covers the n buckets ending with the current (partial) one.
      const windowStart = (current - n + 1) * bucketMs
      const span = Math.max(now - Math.max(windowStart, first), bucketMs)
      return (sum * 1000) / span
    },
    get total() {
      return total
    },
  }
}
