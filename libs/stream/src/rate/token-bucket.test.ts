import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTokenBucket } from './token-bucket.js'
import { backoffDelay, parseRetryAfter } from './backoff.js'

describe('token bucket', () => {
  it('grants at most the burst at once and then the rate', () => {
    const b = createTokenBucket({ ratePerSecond: 50, burst: 50 }, 0)
    expect(b.take(80, 0)).toBe(50)
    expect(b.take(1, 0)).toBe(0)
    expect(b.waitFor(10, 0)).toBe(200)
    expect(b.take(100, 1000)).toBe(50)
  })

  it('never grants more than burst + rate·t over any run of requests', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 300 })), {
          maxLength: 200,
        }),
        (rate, burst, steps) => {
          const b = createTokenBucket({ ratePerSecond: rate, burst }, 0)
          let now = 0
          let granted = 0
          for (const [dt, want] of steps) {
            now += dt
            const g = b.take(want, now)
            expect(g).toBeGreaterThanOrEqual(0)
            expect(g).toBeLessThanOrEqual(want)
            granted += g
            expect(granted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9)
          }
        },
      ),
    )
  })

  it('does not mint tokens when the clock steps back', () => {
    const b = createTokenBucket({ ratePerSecond: 10, burst: 10 }, 1000)
    expect(b.take(10, 1000)).toBe(10)
    expect(b.take(10, 500)).toBe(0)
    expect(b.take(10, 1100)).toBe(1)
  })

  it('rejects a rate of zero', () => {
    expect(() => createTokenBucket({ ratePerSecond: 0, burst: 1 }, 0)).toThrow(/positive/)
  })
})

describe('backoff', () => {
  it('stays within the exponential ceiling and the cap', () => {
    expect(backoffDelay(1, { baseMs: 500, maxMs: 10_000 }, () => 1)).toBe(500)
    expect(backoffDelay(4, { baseMs: 500, maxMs: 10_000 }, () => 1)).toBe(4000)
    expect(backoffDelay(10, { baseMs: 500, maxMs: 10_000 }, () => 1)).toBe(10_000)
    expect(backoffDelay(10, { baseMs: 500, maxMs: 10_000 }, () => 0)).toBe(0)
  })

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000)
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT')
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })
})
