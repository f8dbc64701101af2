import { describe, expect, it } from 'vitest'
import { createHopMeter } from './hop-meter.js'

describe('createHopMeter', () => {
  it("agrees with Little's law on a steady queue", () => {
    // 100 samples/s arrive, each waits exactly 50 ms: L = 100 × 0.05 = 5 in the queue on average.
    const m = createHopMeter({ now: 0, windowMs: 1000 })
    let length = 0
    const events: [number, number][] = []
    for (let t = 0; t < 1000; t += 10) {
      events.push([t, 1], [t + 50, -1])
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    for (const [t, d] of events) {
      if (t > 1000) continue
      length += d
      if (d > 0) m.arrive(t, 1)
      else m.serve(t, 1, 50, 1)
      m.observeLength(t, length)
    }
    const s = m.snapshot(1000, { length, capacity: 100, arrived: 100, dropped: 0 })
    expect(s.meanWaitMs).toBe(50)
    // 96 samples left by t = 1000 (L = 0.96 × 100 × 0.05); 4 were still queued, so measured L is a bit higher.
    expect(s.meanQueueLength).toBeCloseTo(4.9, 5)
    expect(s.littlesL).toBeCloseTo(4.8, 5)
    expect(s.lambda).toBeCloseTo(100, 0)
    expect(s.mu).toBeCloseTo(1000, 0)
    expect(s.rho).toBeCloseTo(0.1, 2)
    expect(s.state).toBe('ok')
  })

  it('turns critical on drops within the interval only', () => {
    const m = createHopMeter({ now: 0 })
    const s1 = m.snapshot(1000, { length: 0, capacity: 10, arrived: 100, dropped: 5 })
    expect(s1.dropRate).toBe(0.05)
    expect(s1.state).toBe('critical')
    const s2 = m.snapshot(2000, { length: 0, capacity: 10, arrived: 200, dropped: 5 })
    expect(s2.dropRate).toBe(0)
    expect(s2.state).toBe('ok')
  })

  it('reports latency percentiles per interval', () => {
    const m = createHopMeter({ now: 0 })
    for (let i = 0; i < 100; i++) m.recordLatency(10)
    expect(
      m.snapshot(1000, { length: 0, capacity: 1, arrived: 0, dropped: 0 }).latency.p99,
    ).toBeCloseTo(10, 0)
    expect(m.snapshot(2000, { length: 0, capacity: 1, arrived: 0, dropped: 0 }).latency.count).toBe(
      0,
    )
  })

  it('counts a negative wait (a wall clock stepped back between two readings) as no wait', () => {
    const m = createHopMeter({ now: 0 })
    m.arrive(100, 2)
    m.serve(200, 1, -0.5, -0.1)
    m.serve(300, 1, 4, 1)
    const s = m.snapshot(1000, { length: 0, capacity: 10, arrived: 2, dropped: 0 })
    expect(s.meanWaitMs).toBe(2)
    expect(s.littlesL).toBeGreaterThanOrEqual(0)
  })
})
