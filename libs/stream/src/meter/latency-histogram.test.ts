import { describe, expect, it } from 'vitest'
import { createLatencyHistogram } from './latency-histogram.js'

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
})
