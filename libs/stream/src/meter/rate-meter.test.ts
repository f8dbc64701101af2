import { describe, expect, it } from 'vitest'
import { createRateMeter } from './rate-meter.js'

describe('createRateMeter', () => {
  it('measures a steady rate over the window', () => {
    const m = createRateMeter({ windowMs: 1000, buckets: 10 })
    for (let t = 0; t < 3000; t += 10) m.record(t)
    expect(m.rate(3000)).toBeCloseTo(100, 0)
    expect(m.total).toBe(300)
  })

  it('does not under-report before a whole window has passed', () => {
    const m = createRateMeter({ windowMs: 10_000 })
    for (let t = 0; t < 1000; t += 10) m.record(t, 2)
    expect(m.rate(1000)).toBeCloseTo(200, 0)
  })

  it('falls to zero once the window has passed with no events', () => {
    const m = createRateMeter({ windowMs: 1000 })
    for (let t = 0; t < 1000; t += 10) m.record(t)
    expect(m.rate(5000)).toBe(0)
    expect(createRateMeter().rate(123)).toBe(0)
  })
})
