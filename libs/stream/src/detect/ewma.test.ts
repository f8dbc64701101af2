import { describe, expect, it } from 'vitest'
import { createPrng } from '../sim/prng.js'
import { createEwmaDetector } from './ewma.js'
import { isAlert } from './levels.js'

function noise(seed: number, length: number, level: (i: number) => number): number[] {
  const prng = createPrng(seed)
  return Array.from({ length }, (_, i) => level(i) + prng.gaussian())
}

describe('createEwmaDetector', () => {
  it('adapts to a new level: alerts stop and the baseline moves to it', () => {
    const values = noise(11, 1000, (i) => (i >= 300 ? 5 : 0))
    const detector = createEwmaDetector()
    const steps = values.map((v, i) => detector.update(i, v))
    const alertsIn = (from: number, to: number): number =>
      steps.slice(from, to).filter((d) => isAlert(d)).length
    // The default α = 0.02 has a time constant of 50 samples: the first 50 samples after the step are
    // mostly alerts, and from 200 samples on the rate is back to that of clean noise (≈ 2%). Measured: 46
    // of 50, then 10 of 500.
    expect(alertsIn(300, 350)).toBeGreaterThan(25)
    expect(alertsIn(500, 1000)).toBeLessThan(25)
    expect(Math.abs(steps[999]!.baseline.mean - 5)).toBeLessThan(0.5)
  })

  it('flags a lone spike as a spike and not the points after it as a shift', () => {
    const values = noise(12, 300, () => 50)
    values[200] = 80
    const detector = createEwmaDetector()
    const steps = values.map((v, i) => detector.update(i, v))
    expect(steps[200]!.kind).toBe('spike')
    expect(isAlert(steps[200]!)).toBe(true)
    for (let i = 201; i < 210; i++) expect(steps[i]!.kind, `at ${i}`).not.toBe('shift')
  })

  it('calls a sustained 2σ deviation a shift', () => {
    const values = noise(13, 400, (i) => (i >= 300 ? 2 : 0))
    const detector = createEwmaDetector()
    const steps = values.map((v, i) => detector.update(i, v))
    const shiftAt = steps.findIndex((d, i) => i >= 300 && isAlert(d) && d.kind === 'shift')
    expect(shiftAt).toBeGreaterThanOrEqual(300)
    expect(shiftAt).toBeLessThan(320)
  })

  it('learns a winsorised value, so one spike barely moves the baseline', () => {
    const detector = createEwmaDetector({ alpha: 0.1, minSamples: 20 })
    for (let i = 0; i < 40; i++) detector.update(i, i % 2 === 0 ? -1 : 1)
    const before = detector.update(40, 1e6).baseline
    const after = detector.update(41, 0).baseline
    // Clipped at mean + 4σ: the mean moves by at most α · 4σ.
    expect(after.mean - before.mean).toBeLessThanOrEqual(0.1 * 4 * before.std + 1e-9)
  })

  it('scores a constant signal 0 and a change of it finite', () => {
    const detector = createEwmaDetector()
    for (let i = 0; i < 50; i++) expect(detector.update(i, 3).score).toBe(0)
    const d = detector.update(50, 4)
    expect(Number.isFinite(d.score)).toBe(true)
    expect(d.level).toBe('very-unusual')
  })

  it('flags nothing before minSamples values and forgets on reset', () => {
    const detector = createEwmaDetector({ minSamples: 20 })
    for (let i = 0; i < 20; i++) expect(detector.update(i, i === 19 ? 1e9 : i % 2).score).toBe(0)
    detector.reset()
    expect(detector.update(0, 1e9).score).toBe(0)
  })
})
