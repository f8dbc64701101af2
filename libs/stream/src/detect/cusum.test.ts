import { describe, expect, it } from 'vitest'
import { createPrng } from '../sim/prng.js'
import { createCusumDetector } from './cusum.js'
import { isAlert } from './levels.js'
import type { Detection } from './types.js'

/** Alternating ±1 around `level`: mean `level`, every moving range 2 → σ = 2 / 1.128. */
function alternating(level: number, i: number): number {
  return level + (i % 2 === 0 ? -1 : 1)
}

const SIGMA = 2 / 1.128

describe('createCusumDetector', () => {
  it('learns μ₀ from minSamples values and σ from the moving ranges', () => {
    const detector = createCusumDetector({ minSamples: 50 })
    let d: Detection | undefined
    for (let i = 0; i <= 50; i++) d = detector.update(i, alternating(10, i))
    expect(d!.baseline.mean).toBeCloseTo(10, 12)
    expect(d!.baseline.std).toBeCloseTo(SIGMA, 12)
    expect(d!.baseline.n).toBe(50)
  })

  it('sums a 2σ step to an alarm after 4 samples (k = 0.5, h = 5), then re-baselines and stays quiet', () => {
    const detector = createCusumDetector()
    for (let i = 0; i < 100; i++)
      expect(isAlert(detector.update(i, alternating(10, i)))).toBe(false)
    const alarms: number[] = []
    for (let i = 100; i < 400; i++) {
      if (isAlert(detector.update(i, alternating(10 + 2 * SIGMA, i)))) alarms.push(i)
    }
    // Each step adds about 2 − 0.5 = 1.5 (±1/σ from the alternation): above 5 after 4 samples.
    expect(alarms).toEqual([103])
  })

  it('calls the first alarm of a step a shift, with its direction in the score of the right side', () => {
    const detector = createCusumDetector()
    for (let i = 0; i < 100; i++) detector.update(i, alternating(10, i))
    let d: Detection | undefined
    for (let i = 100; !d?.alert; i++) d = detector.update(i, alternating(10 - 3 * SIGMA, i))
    expect(d.kind).toBe('shift')
    expect(d.level).toBe('unusual')
    // μ₀ is reported before the re-baseline; its running mean absorbs the step only slowly.
    expect(Math.abs(d.baseline.mean - 10)).toBeLessThan(0.2)
  })

  it('does not alarm on a lone spike from a quiet state (input clipped at 4σ)', () => {
    const detector = createCusumDetector()
    for (let i = 0; i < 100; i++) detector.update(i, alternating(10, i))
    const d = detector.update(100, 10 + 100 * SIGMA)
    // At most clip − k = 3.5 on top of what the ±1 alternation left in the sum (≤ 0.07).
    expect(d.score).toBeLessThanOrEqual(4 - 0.5 + 0.07)
    expect(isAlert(d)).toBe(false)
  })

  it('raises repeated same-direction alarms on a drift and calls the later ones drift', () => {
    const prng = createPrng(21)
    const detector = createCusumDetector()
    const kinds: string[] = []
    for (let i = 0; i < 1000; i++) {
      const value = prng.gaussian() + (i >= 200 ? 0.02 * (i - 200) : 0)
      const d = detector.update(i, value)
      if (isAlert(d)) kinds.push(d.kind)
    }
    expect(kinds[0]).toBe('shift')
    expect(kinds.slice(1).every((k) => k === 'drift')).toBe(true)
    expect(kinds.length).toBeGreaterThanOrEqual(4)
  })

  it('scores a constant signal 0 and a lasting change of it with a finite alarm', () => {
    const detector = createCusumDetector()
    for (let i = 0; i < 100; i++) expect(detector.update(i, 42).score).toBe(0)
    let d: Detection | undefined
    for (let i = 100; i < 110 && !d?.alert; i++) d = detector.update(i, 43)
    expect(d!.alert).toBe(true)
    expect(Number.isFinite(d!.score)).toBe(true)
  })

  it('derives its default levels from h', () => {
    const detector = createCusumDetector({ h: 4 })
    for (let i = 0; i < 100; i++) detector.update(i, alternating(10, i))
    let d: Detection | undefined
    for (let i = 100; !d?.alert; i++) d = detector.update(i, alternating(10 + 20 * SIGMA, i))
    expect(d.threshold).toBe(4)
    expect(d.score).toBeGreaterThan(4)
  })
})
