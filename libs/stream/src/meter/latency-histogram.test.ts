import fc from 'fast-check'
import { build } from 'hdr-histogram-js'
import { describe, expect, it } from 'vitest'
import { createLatencyHistogram } from './latency-histogram.js'

/** The histogram this one replaced (issue 16): hdr-histogram-js, 2 significant digits, 1 µs to 1 h. */
function hdrPercentiles(values: readonly number[]) {
  const h = build({
    useWebAssembly: false,
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
  })
  for (const ms of values) {
    if (Number.isNaN(ms)) continue
    const us = Math.round(ms * 1000)
    h.recordValue(us < 0 ? 0 : us > 3_600_000_000 ? 3_600_000_000 : us)
  }
  const count = h.totalCount
  if (count === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 }
  return {
    count,
    p50: h.getValueAtPercentile(50) / 1000,
    p95: h.getValueAtPercentile(95) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    max: h.maxValue / 1000,
  }
}

describe('createLatencyHistogram', () => {
  it('reports p50/p95/p99 within 1% of the exact values', () => {
    const h = createLatencyHistogram()
    for (let i = 1; i <= 1000; i++) h.record(i / 10)
    const p = h.percentiles()
    expect(p.count).toBe(1000)
    expect(p.p50).toBeCloseTo(50, -0.3)
    expect(Math.abs(p.p95 - 95) / 95).toBeLessThan(0.01)
    expect(Math.abs(p.p99 - 99) / 99).toBeLessThan(0.01)
  })

  it('clamps negative and huge latencies instead of throwing, and resets', () => {
    const h = createLatencyHistogram()
    h.record(-5)
    h.record(1e12)
    expect(h.percentiles().count).toBe(2)
    h.reset()
    expect(h.percentiles()).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0 })
  })

  it('reports exactly what hdr-histogram-js reports for the same values (property)', () => {
    const latency = fc.oneof(
      fc.double({ min: -10, max: 300, noNaN: false }),
      fc.double({ min: 0, max: 4e6 }),
      fc.integer({ min: 0, max: 100_000 }).map((us) => us / 1000),
      fc.constantFrom(0, 0.255, 0.256, 0.2565, 3_600_000, 1e12, -1, Infinity, -Infinity),
    )
    fc.assert(
      fc.property(fc.array(latency, { maxLength: 400 }), fc.nat(3), (values, resets) => {
        const h = createLatencyHistogram()
        // Reused after resets, as a hop's meter does every metrics interval.
        for (let r = 0; r < resets; r++) {
          for (const v of values) h.record(v * (r + 2))
          h.reset()
        }
        for (const v of values) h.record(v)
        expect(h.percentiles()).toEqual(hdrPercentiles(values))
      }),
      { numRuns: 500 },
    )
  })
})
