import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { batchStats } from './batch-stats.js'
import { RunningStats, sampleStd } from './running-stats.js'

const valuesArb = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 80 })

function statsOf(values: readonly number[], offset = 0): RunningStats {
  const s = new RunningStats()
  values.forEach((v, i) => s.add(offset + i, offset + i, v, offset + i))
  return s
}

function close(a: number, b: number, scale: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(b), 1e-6 * scale, 1e-12)
}

describe('RunningStats', () => {
  it('uses the sample standard deviation (n − 1) and reports 0 below two samples', () => {
    expect(statsOf([]).std).toBe(0)
    expect(statsOf([5]).std).toBe(0)
    expect(statsOf([1, 2, 3]).std).toBe(1)
    expect(statsOf([2, 4, 4, 4, 5, 5, 7, 9]).std).toBeCloseTo(2.138089935, 9)
    expect(sampleStd(2, -1e-18)).toBe(0)
  })

  it('gives exactly 0 std and the exact mean for constant data, even far from zero', () => {
    const s = statsOf(Array.from({ length: 1000 }, () => 1e9 + 0.1))
    expect(s.std).toBe(0)
    expect(s.mean).toBe(1e9 + 0.1)
  })

  it('keeps first/last by event time, earlier arrival first and later arrival last on ties', () => {
    const s = new RunningStats()
    s.add(1, 10, 100, 0)
    s.add(2, 5, 50, 0)
    s.add(3, 10, 101, 0)
    s.add(4, 5, 51, 0)
    expect([s.first, s.firstSeq, s.last, s.lastSeq]).toEqual([50, 2, 101, 3])
  })

  it('adds one by one to the batch statistics', () => {
    fc.assert(
      fc.property(valuesArb, (values) => {
        const s = statsOf(values)
        const b = batchStats(values)
        expect(s.n).toBe(b.count)
        if (values.length === 0) return
        const scale = Math.max(Math.abs(b.min), Math.abs(b.max))
        expect(close(s.mean, b.mean, scale)).toBe(true)
        expect(close(s.std, b.std, scale)).toBe(true)
        expect([s.min, s.max]).toEqual([b.min, b.max])
      }),
    )
  })

  it('merges (Chan et al.) to the statistics of the concatenation', () => {
    fc.assert(
      fc.property(valuesArb, valuesArb, (xs, ys) => {
        const merged = statsOf(xs)
        merged.merge(statsOf(ys, xs.length))
        const whole = statsOf([...xs, ...ys])
        expect(merged.n).toBe(whole.n)
        if (whole.n === 0) return
        const scale = Math.max(Math.abs(whole.min), Math.abs(whole.max))
        expect(close(merged.mean, whole.mean, scale)).toBe(true)
        expect(close(merged.std, whole.std, scale)).toBe(true)
        expect([merged.min, merged.max, merged.first, merged.last, merged.ingestMax]).toEqual([
          whole.min,
          whole.max,
          whole.first,
          whole.last,
          whole.ingestMax,
        ])
      }),
    )
  })
})

describe('batchStats', () => {
  it('computes two-pass statistics of a slice', () => {
    expect(batchStats([9, 1, 2, 3, 9], 1, 4)).toEqual({ count: 3, mean: 2, std: 1, min: 1, max: 3 })
    expect(batchStats([7])).toEqual({ count: 1, mean: 7, std: 0, min: 7, max: 7 })
    expect(batchStats([]).count).toBe(0)
  })
})
