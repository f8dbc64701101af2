import { describe, expect, it } from 'vitest'
import { createPrng } from '../sim/prng.js'
import { NOVELTY_LEVELS, createNoveltyDetector } from './novelty.js'

const HOUR = 3_600_000

/** A daily sine (period 24 h, one point every 5 min) in [0, 100] with light noise. */
function daily(days: number, seed = 1): { t: number; value: number }[] {
  const prng = createPrng(seed)
  const out: { t: number; value: number }[] = []
  for (let i = 0; i < days * 288; i++) {
    const t = i * 5 * 60_000
    out.push({ t, value: 50 + 45 * Math.sin((2 * Math.PI * t) / (24 * HOUR)) + prng.gaussian() })
  }
  return out
}

describe('createNoveltyDetector', () => {
  it('flags a value beyond the range seen so far as a very unusual excursion', () => {
    const detector = createNoveltyDetector()
    for (const { t, value } of daily(7)) detector.update(t, value)
    const d = detector.update(7 * 24 * HOUR, 130)
    expect(d.likelihood).toBe(NOVELTY_LEVELS.excursion)
    expect(d.level).toBe('very-unusual')
    expect(d.alert).toBe(true)
  })

  it('raises no alert on a week of a regular daily cycle once the first day is learned', () => {
    const detector = createNoveltyDetector()
    const alerts = daily(8).filter(({ t, value }) => detector.update(t, value).alert === true)
    expect(alerts.every(({ t }) => t < 24 * HOUR)).toBe(true)
  })

  it('flags a level inside the range that the signal never held (a gap in its history)', () => {
    const detector = createNoveltyDetector({ phases: 0 })
    const prng = createPrng(3)
    // Two levels, 0 and 100, never in between.
    for (let i = 0; i < 2000; i++) detector.update(i, (i % 50 < 25 ? 0 : 100) + prng.gaussian())
    const d = detector.update(2000, 50)
    expect(d.likelihood).toBe(NOVELTY_LEVELS.newValue)
    expect(d.kind).toBe('shift')
  })

  it('flags a usual value at an unusual time of day (a peak at the trough hour) as new context', () => {
    const detector = createNoveltyDetector()
    // Two weeks: new (time of day, level) pairs must have become rarer than 1 % of points.
    for (const { t, value } of daily(14)) detector.update(t, value)
    // 18:00 is the trough (≈ 5); 95 is an ordinary daily peak value, but never seen at this hour.
    const t = 14 * 24 * HOUR + 18 * HOUR
    const d = detector.update(t, 95)
    expect(d.likelihood).toBe(NOVELTY_LEVELS.newContext)
    expect(d.kind).toBe('drift')
    expect(d.alert).toBe(true)
  })

  it('caps the points right after an alert below the alert threshold (one event, one alert)', () => {
    const detector = createNoveltyDetector({ refractory: 5 })
    for (const { t, value } of daily(7)) detector.update(t, value)
    const base = 7 * 24 * HOUR
    const levels = [130, 140, 150, 160, 170, 180, 190].map(
      (v, k) => detector.update(base + k * 300_000, v).likelihood,
    )
    expect(levels[0]).toBe(1)
    expect(levels.slice(1, 6).every((l) => l < 0.9)).toBe(true)
    expect(levels[6]).toBe(1)
  })

  it('scores each point before learning it: the same new value is novel once only', () => {
    const detector = createNoveltyDetector({ refractory: 0 })
    for (const { t, value } of daily(7)) detector.update(t, value)
    const t = 7 * 24 * HOUR
    expect(detector.update(t, 130).alert).toBe(true)
    expect(detector.update(t + 300_000, 130).alert).toBe(false)
  })

  it('flags nothing before minSamples and ignores non-finite values', () => {
    const detector = createNoveltyDetector({ minSamples: 20 })
    for (let i = 0; i < 20; i++) expect(detector.update(i, i % 2 === 0 ? 1 : 1e9).alert).toBe(false)
    expect(detector.update(20, Number.NaN).likelihood).toBe(0)
    expect(detector.update(21, 1e12).alert).toBe(true)
  })

  it('keeps likelihood in [0, 1] on a random walk and forgets everything on reset', () => {
    const detector = createNoveltyDetector()
    const prng = createPrng(9)
    let x = 0
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (let i = 0; i < 20_000; i++) {
      x += prng.gaussian()
      const { likelihood } = detector.update(i * 60_000, x)
      lo = Math.min(lo, likelihood)
      hi = Math.max(hi, likelihood)
    }
    expect(lo).toBeGreaterThanOrEqual(0)
    expect(hi).toBeLessThanOrEqual(1)
    detector.reset()
    expect(detector.update(0, 5).baseline.n).toBe(0)
  })

  it('rejects out-of-range options', () => {
    expect(() => createNoveltyDetector({ bins: 33 })).toThrow(/bins/)
    expect(() => createNoveltyDetector({ tolerance: -1 })).toThrow(/tolerance/)
    expect(() => createNoveltyDetector({ refractory: 1.5 })).toThrow(/refractory/)
  })
})
