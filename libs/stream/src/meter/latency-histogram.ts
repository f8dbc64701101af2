/**
 * @module meter/latency-histogram
 * Latency percentiles (p50/p95/p99) with bounded memory, on a log-linear histogram with the layout of an
 * HDR histogram of two significant digits (Gil Tene's HdrHistogram): values are milliseconds with a
 * fraction, recorded in whole microseconds from 0 to one hour; below 256 µs each microsecond has its own
 * bucket, above it each power of two is split into 128 buckets, so a reported value is at most 1/128
 * (0.8 %) above the true one. That is about 27 kB, whatever the number of samples. Out-of-range values are
 * clamped rather than thrown, because a clock skew between a Pi and a laptop must not crash a service
 * (DESIGN.md §6).
 *
 * Every sample is recorded, none is sampled: hops record one latency per sample, at 100k+ samples/s, so
 * the recording is a few integer operations (`Math.clz32` finds the power of two) instead of
 * hdr-histogram-js's general code, which cost about 100 ns per value and showed in the mesh profile
 * (issue 16). A property test holds the percentiles equal to hdr-histogram-js's on the same values.
 */

/** p50/p95/p99 in milliseconds, and how many values they are computed from. */
export interface LatencyPercentiles {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/** A latency histogram. */
export interface LatencyHistogram {
  /** Records one latency in ms (negative values count as 0, values above one hour as one hour). */
  record(ms: number): void
  /** Current percentiles (all 0 when empty). */
  percentiles(): LatencyPercentiles
  /** Forgets everything, e.g. at the start of each metrics interval. */
  reset(): void
}

const HIGHEST_US = 3_600_000_000
/** log2 of the buckets per power of two above the first 256 µs (two significant digits: 2·10² → 2⁸/2). */
const HALF_MAGNITUDE = 7
const HALF_COUNT = 1 << HALF_MAGNITUDE
/** Values up to this mask share bucket range 0, where every microsecond is its own bucket. */
const SUB_MASK = 2 * HALF_COUNT - 1
/** The range of a value v < 2³²: how many powers of two above the first 256 µs it lies. */
const rangeOf = (us: number): number => 24 - Math.clz32(us | SUB_MASK)
const BUCKETS = ((rangeOf(HIGHEST_US) + 2) << HALF_MAGNITUDE) >>> 0

/** The bucket of a whole number of microseconds, 0 ≤ us < 2³². */
function bucketOf(us: number): number {
  const r = rangeOf(us)
  return ((r + 1) << HALF_MAGNITUDE) + (us >>> r) - HALF_COUNT
}

/** The highest value (µs) counted in bucket `i`: what an HDR histogram reports for a percentile in it. */
function highestIn(i: number): number {
  let r = (i >> HALF_MAGNITUDE) - 1
  let sub = (i & (HALF_COUNT - 1)) + HALF_COUNT
  if (r < 0) {
    sub -= HALF_COUNT
    r = 0
  }
  const size = 2 ** r
  return sub * size + size - 1
}

/** HdrHistogram's count at a percentile: rounded up, minus one ulp of float error, at least 1. */
function countAt(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total
  const ulp = fp > 0 ? 2 ** (Math.floor(Math.log2(fp)) - 52) : 0
  return Math.max(Math.ceil(fp - ulp), 1)
}

/**
 * Creates a latency histogram.
 *
 * @example
 * ```ts
 * const h = createLatencyHistogram()
 * h.record(12.5)
 * h.percentiles().p99 // ≈ 12.5
 * ```
 */
export function createLatencyHistogram(): LatencyHistogram {
  const counts = new Float64Array(BUCKETS)
  let total = 0
  let maxUs = 0
  const valueAt = (percentile: number): number => {
    const wanted = countAt(percentile, total)
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += counts[i]!
      if (seen >= wanted) return highestIn(i)
    }
    return 0
  }
  return {
    record(ms: number): void {
      if (Number.isNaN(ms)) return
      const raw = Math.round(ms * 1000)
      const us = raw < 0 ? 0 : raw > HIGHEST_US ? HIGHEST_US : raw
      counts[bucketOf(us)]!++
      total++
      if (us > maxUs) maxUs = us
    },
    percentiles(): LatencyPercentiles {
      if (total === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 }
      return {
        count: total,
        p50: valueAt(50) / 1000,
        p95: valueAt(95) / 1000,
        p99: valueAt(99) / 1000,
        max: maxUs / 1000,
      }
    },
    reset(): void {
      counts.fill(0)
      total = 0
      maxUs = 0
    },
  }
}
