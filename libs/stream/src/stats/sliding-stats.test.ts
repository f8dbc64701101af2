import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { batchStats } from './batch-stats.js'
import { SlidingStats } from './sliding-stats.js'

function close(a: number, b: number, scale: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(b), 1e-6 * scale, 1e-12)
}

describe('SlidingStats', () => {
  it('equals a batch recomputation over the last `capacity` samples after every push', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { maxLength: 200, size: 'max' }),
        (capacity, values) => {
          const s = new SlidingStats(capacity)
          values.forEach((v, i) => {
            s.push(i, i * 10, v, i + 0.5)
            s.compute()
            const from = Math.max(0, i + 1 - capacity)
            const b = batchStats(values, from, i + 1)
            const scale = Math.max(Math.abs(b.min), Math.abs(b.max))
            expect(s.count).toBe(b.count)
            expect(close(s.mean, b.mean, scale)).toBe(true)
            expect(close(s.std, b.std, scale)).toBe(true)
            // `+ 0` turns −0 into 0: with 0 and −0 in the window, which one is the min is arbitrary.
            expect([s.min + 0, s.max + 0, s.ingestMax]).toEqual([b.min + 0, b.max + 0, i + 0.5])
            expect([s.first, s.firstT, s.firstSeq]).toEqual([values[from], from * 10, from])
            expect([s.last, s.lastT, s.lastSeq]).toEqual([v, i * 10, i])
          })
        },
      ),
    )
  })

  it('forgets a huge spike once it has left the window (no cancellation error)', () => {
    const s = new SlidingStats(100)
    s.push(0, 0, 1e12, 0)
    for (let i = 1; i <= 1000; i++) s.push(i, i, i % 2, i)
    s.compute()
    expect(s.mean).toBeCloseTo(0.5, 12)
    expect(s.std).toBeCloseTo(
      batchStats(Array.from({ length: 100 }, (_, k) => (k + 901) % 2)).std,
      12,
    )
    expect(s.max).toBe(1)
  })

  it('handles a window of one and an empty window', () => {
    const s = new SlidingStats(1)
    s.compute()
    expect(s.first).toBeNaN()
    s.push(0, 0, 3, 0)
    s.push(1, 1, 4, 1)
    s.compute()
    expect([s.count, s.mean, s.std, s.min, s.max, s.first]).toEqual([1, 4, 0, 4, 4, 4])
    s.evictOldest()
    expect(s.count).toBe(0)
    s.clear()
    expect(() => new SlidingStats(0)).toThrow(RangeError)
  })
})
