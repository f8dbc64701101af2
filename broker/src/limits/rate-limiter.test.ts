import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limiter.js'

describe('createRateLimiter', () => {
  it('lets a burst through, then spaces messages at the rate', () => {
    const limiter = createRateLimiter(100, 3)
    expect([limiter.take(0), limiter.take(0), limiter.take(0)]).toEqual([0, 0, 0])
    expect(limiter.take(0)).toBeCloseTo(10)
    expect(limiter.take(0)).toBeCloseTo(20)
  })

  it('refills with time, up to the burst', () => {
    const limiter = createRateLimiter(100, 2)
    limiter.take(0)
    limiter.take(0)
    expect(limiter.take(10)).toBe(0) // one token back after 10 ms
    expect(limiter.take(10_000)).toBe(0)
    expect(limiter.take(10_000)).toBe(0)
    expect(limiter.take(10_000)).toBeGreaterThan(0) // never more than the burst
  })
})
