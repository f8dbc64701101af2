import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createOrderStatisticTree } from './order-statistics.js'

function batchMedian(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const h = s.length >>> 1
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2
}

describe('createOrderStatisticTree', () => {
  it('answers the documented example', () => {
    const tree = createOrderStatisticTree(5)
    for (const v of [3, 1, 4, 1, 5]) tree.insert(v)
    expect(tree.median()).toBe(3)
    expect(tree.medianAbsoluteDeviation()).toBe(2)
    expect(tree.meanAbsoluteDeviation()).toBeCloseTo(7 / 5, 12)
  })

  it('refuses to grow past its capacity and rejects non-finite values', () => {
    const tree = createOrderStatisticTree(2)
    tree.insert(1)
    tree.insert(2)
    expect(() => tree.insert(3)).toThrow(RangeError)
    expect(() => createOrderStatisticTree(1).insert(Number.NaN)).toThrow(RangeError)
  })

  it('removes one occurrence of a duplicate and reports a missing value', () => {
    const tree = createOrderStatisticTree(4)
    for (const v of [2, 2, 2]) tree.insert(v)
    expect(tree.remove(2)).toBe(true)
    expect(tree.size).toBe(2)
    expect(tree.remove(7)).toBe(false)
    expect(tree.size).toBe(2)
  })

  it('matches a batch recomputation over a sliding window of random values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 60 }),
        (window, stream) => {
          const tree = createOrderStatisticTree(window)
          const held: number[] = []
          for (const v of stream) {
            if (held.length === window) expect(tree.remove(held.shift()!)).toBe(true)
            tree.insert(v)
            held.push(v)
            const sorted = [...held].sort((a, b) => a - b)
            const m = batchMedian(held)
            expect(tree.size).toBe(held.length)
            expect(tree.median()).toBe(m)
            expect(tree.medianAbsoluteDeviation()).toBe(
              batchMedian(held.map((x) => Math.abs(x - m))),
            )
            const meanAd = held.reduce((acc, x) => acc + Math.abs(x - m), 0) / held.length
            expect(tree.meanAbsoluteDeviation()).toBeCloseTo(meanAd, 9)
            const k = held.length >>> 1
            expect(tree.kth(k)).toBe(sorted[k])
            expect(tree.sumOfSmallest(k)).toBe(sorted.slice(0, k).reduce((a, b) => a + b, 0))
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
