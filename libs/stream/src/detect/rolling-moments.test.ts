import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRollingMoments } from './rolling-moments.js'

describe('createRollingMoments', () => {
  it('forgets values older than the window', () => {
    const m = createRollingMoments(3)
    for (const v of [100, 1, 2, 3]) m.push(v)
    expect(m.count).toBe(3)
    expect(m.mean).toBeCloseTo(2, 12)
    expect(m.variance).toBeCloseTo(2 / 3, 12)
  })

  it('matches a batch recomputation of mean and population variance on random streams', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (window, stream) => {
          const m = createRollingMoments(window)
          stream.forEach((v, i) => {
            m.push(v)
            const held = stream.slice(Math.max(0, i + 1 - window), i + 1)
            const mean = held.reduce((a, b) => a + b, 0) / held.length
            const variance =
              held.length > 1 ? held.reduce((a, b) => a + (b - mean) ** 2, 0) / held.length : 0
            expect(m.count).toBe(held.length)
            expect(m.mean).toBeCloseTo(mean, 6)
            expect(Math.abs(m.variance - variance)).toBeLessThanOrEqual(
              1e-6 * Math.max(1, variance),
            )
          })
        },
      ),
      { numRuns: 200 },
    )
  })

  it('stays exact on a long stream with a large offset (periodic recomputation)', () => {
    const m = createRollingMoments(10)
    for (let i = 0; i < 100_000; i++) m.push(1e6 + (i % 2 === 0 ? -1 : 1))
    expect(m.mean).toBeCloseTo(1e6, 9)
    expect(m.variance).toBeCloseTo(1, 9)
  })
})
