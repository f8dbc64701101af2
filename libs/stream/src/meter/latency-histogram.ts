/**
 * @module meter/latency-histogram
 * Latency percentiles (p50/p95/p99) with bounded memory, on an HDR histogram (hdr-histogram-js, its pure
 * JavaScript build so it stays browser-safe and needs no WebAssembly start-up). Values are milliseconds
 * with a fraction, recorded in microseconds with two significant digits (1% relative precision) from 1 µs
 * to one hour: about 14 kB, whatever the number of samples. Out-of-range values are clamped rather than
 * thrown, because a clock skew between a Pi and a laptop must not crash a service (DESIGN.md §6).
 */
import { build, type Histogram } from 'hdr-histogram-js'

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
  const h: Histogram = build({
    useWebAssembly: false,
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 2,
  })
  return {
    record(ms: number): void {
      if (Number.isNaN(ms)) return
      const us = Math.round(ms * 1000)
      h.recordValue(us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : us)
    },
    percentiles(): LatencyPercentiles {
      const count = h.totalCount
      if (count === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 }
      return {
        count,
        p50: h.getValueAtPercentile(50) / 1000,
        p95: h.getValueAtPercentile(95) / 1000,
        p99: h.getValueAtPercentile(99) / 1000,
        max: h.maxValue / 1000,
      }
    },
    reset(): void {
      h.reset()
    },
  }
}
