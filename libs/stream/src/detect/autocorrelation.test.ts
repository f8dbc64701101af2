import { describe, expect, it } from 'vitest'
import { createPrng } from '../sim/prng.js'
import { laggedProducts, laggedProductsByFft, laggedProductsDirect } from './autocorrelation.js'

/** Σ y[i]·y[i + lag], term by term: the definition. */
function byDefinition(y: ArrayLike<number>, count: number, lag: number): number {
  let sum = 0
  for (let i = 0; i + lag < count; i++) sum += y[i]! * y[i + lag]!
  return sum
}

/** The largest |fft − definition| over every lag, relative to Σy² (the size of the products). */
function worstError(y: Float64Array, count: number, lags: number): number {
  const out = new Float64Array(lags + 1).fill(Number.NaN)
  laggedProductsByFft(y, count, lags, out)
  const scale = byDefinition(y, count, 0)
  let worst = 0
  for (let lag = 0; lag <= lags; lag++)
    worst = Math.max(worst, Math.abs(out[lag]! - byDefinition(y, count, lag)) / scale)
  return worst
}

const COUNTS = [1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 65, 100, 171, 255, 256, 257, 500]

describe('laggedProductsByFft', () => {
  it('gives the products of the worked example', () => {
    const out = new Float64Array(3)
    laggedProductsByFft(Float64Array.of(1, 2, 3), 3, 2, out)
    expect(Array.from(out)).toEqual([14, 8, 3].map((v) => expect.closeTo(v, 12) as number))
  })

  it('equals the direct sums up to rounding, for every lag up to the last, at any length', () => {
    const prng = createPrng(1)
    for (const count of COUNTS) {
      // Centred noise, and an uncentred random walk (large products, strong correlation).
      const noise = Float64Array.from({ length: count }, () => prng.gaussian())
      let x = 1000
      const walk = Float64Array.from({ length: count }, () => (x += prng.gaussian()))
      for (const y of [noise, walk]) {
        expect(worstError(y, count, count - 1)).toBeLessThan(1e-13)
        const lags = Math.min(Math.floor((2 * count) / 3) + 1, count - 1)
        expect(worstError(y, count, lags)).toBeLessThan(1e-13)
      }
    }
  })

  it('reads only the first `count` values and writes only lags 0 to `lags`', () => {
    const y = Float64Array.of(1, -2, 3, 5, 1e9, 1e9)
    const out = new Float64Array(6).fill(7)
    laggedProductsByFft(y, 4, 2, out)
    expect(out[0]).toBeCloseTo(1 + 4 + 9 + 25, 10)
    expect(out[1]).toBeCloseTo(-2 - 6 + 15, 10)
    expect(out[2]).toBeCloseTo(3 - 10, 10)
    expect(Array.from(out.subarray(3))).toEqual([7, 7, 7])
  })

  it('stays exact when sizes alternate, so the shared tables serve every size', () => {
    const prng = createPrng(2)
    for (const count of [256, 5, 64, 500, 3, 256, 17]) {
      const y = Float64Array.from({ length: count }, () => prng.gaussian())
      expect(worstError(y, count, count - 1)).toBeLessThan(1e-13)
    }
  })
})

describe('laggedProducts', () => {
  it('matches the direct sums at every length, whichever way it computes them', () => {
    const prng = createPrng(3)
    const y = Float64Array.from({ length: 300 }, () => prng.gaussian())
    const out = new Float64Array(300)
    const direct = new Float64Array(300)
    for (let count = 1; count <= 300; count++)
      for (const lags of [Math.min(Math.floor((2 * count) / 3) + 1, count - 1), count - 1]) {
        laggedProducts(y, count, lags, out)
        laggedProductsDirect(y, count, lags, direct)
        const scale = direct[0]!
        for (let lag = 0; lag <= lags; lag++)
          expect(Math.abs(out[lag]! - direct[lag]!) / scale).toBeLessThan(1e-13)
      }
  })
})
