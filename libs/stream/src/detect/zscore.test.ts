import { describe, expect, it } from 'vitest'
import { isAlert } from './levels.js'
import { createZScoreDetector } from './zscore.js'

/** 100 values alternating 460 / 540: mean 500, population std 40. */
function feedMean500Std40(detector: ReturnType<typeof createZScoreDetector>): void {
  for (let i = 0; i < 100; i++) detector.update(i, i % 2 === 0 ? 460 : 540)
}

describe('createZScoreDetector', () => {
  it('scores x = 580 against mean 500, std 40 as z = 2.0: normal, and no anomaly at alert 2.5', () => {
    const detector = createZScoreDetector({ window: 100, thresholds: { alert: 2.5 } })
    feedMean500Std40(detector)
    const d = detector.update(100, 580)
    expect(d.score).toBeCloseTo(2, 12)
    expect(d.baseline.mean).toBeCloseTo(500, 12)
    expect(d.baseline.std).toBeCloseTo(40, 12)
    expect(d.baseline.n).toBe(100)
    expect(d.level).toBe('normal')
    expect(isAlert(d)).toBe(false)
    expect(d.threshold).toBe(2)
  })

  it('flags x = 640 (z = 3.5) as very unusual and an alert', () => {
    const detector = createZScoreDetector()
    feedMean500Std40(detector)
    const d = detector.update(100, 640)
    expect(d.score).toBeCloseTo(3.5, 12)
    expect(d.level).toBe('very-unusual')
    expect(d.alert).toBe(true)
    expect(d.likelihood).toBeGreaterThan(0.5)
  })

  it('scores a point before learning from it', () => {
    const detector = createZScoreDetector({ window: 100 })
    feedMean500Std40(detector)
    const first = detector.update(100, 900)
    expect(first.baseline.mean).toBeCloseTo(500, 12)
    // The window has now absorbed 900 (evicting a 460), so the same value scores lower next time.
    expect(detector.update(101, 900).score).toBeLessThan(first.score)
  })

  it('flags nothing before minSamples values, however far off, and may flag at the next', () => {
    const detector = createZScoreDetector({ minSamples: 20 })
    for (let i = 0; i < 19; i++) detector.update(i, i % 2 === 0 ? 9 : 11)
    const early = detector.update(19, 1e6)
    expect(early.score).toBe(0)
    expect(early.level).toBe('normal')
    const detector2 = createZScoreDetector({ minSamples: 20 })
    for (let i = 0; i < 20; i++) detector2.update(i, i % 2 === 0 ? 9 : 11)
    expect(detector2.update(20, 1e6).level).toBe('very-unusual')
  })

  it('scores a constant signal 0 and a change of it high but finite (std = 0 is floored)', () => {
    const detector = createZScoreDetector()
    for (let i = 0; i < 50; i++) {
      const d = detector.update(i, 500)
      expect(d.score).toBe(0)
      expect(Number.isFinite(d.likelihood)).toBe(true)
    }
    const d = detector.update(50, 501)
    expect(Number.isFinite(d.score)).toBe(true)
    expect(d.level).toBe('very-unusual')
    expect(d.likelihood).toBe(1)
  })

  it('lets minStd (the sensor resolution) keep a one-step change of a flat signal normal', () => {
    const detector = createZScoreDetector({ minStd: 1 })
    for (let i = 0; i < 50; i++) detector.update(i, 500)
    const d = detector.update(50, 501)
    expect(d.score).toBe(1)
    expect(d.level).toBe('normal')
  })

  it('ignores non-finite values instead of poisoning the window', () => {
    const detector = createZScoreDetector()
    feedMean500Std40(detector)
    expect(detector.update(100, Number.NaN).score).toBe(0)
    expect(detector.update(101, 580).score).toBeCloseTo(2, 12)
  })

  it('calls five same-side alerts in a row a shift', () => {
    const detector = createZScoreDetector({ window: 100, sustain: 5 })
    feedMean500Std40(detector)
    const kinds = [1, 2, 3, 4, 5].map((i) => detector.update(100 + i, 800).kind)
    expect(kinds).toEqual(['spike', 'spike', 'spike', 'spike', 'shift'])
  })

  it('forgets everything on reset', () => {
    const detector = createZScoreDetector()
    feedMean500Std40(detector)
    detector.reset()
    expect(detector.update(0, 1e6).score).toBe(0)
  })

  it('rejects a window below 2 with a coded error', () => {
    expect(() => createZScoreDetector({ window: 1 })).toThrow(/window/)
  })

  it('with stepFloor, takes a one-step move of a quantised signal that sat still as one resolution', () => {
    const make = (stepFloor: boolean) => createZScoreDetector({ window: 50, stepFloor })
    for (const [stepFloor, alerts] of [
      [true, false],
      [false, true],
    ] as const) {
      const d = make(stepFloor)
      // A 0.1-resolution temperature: a few early ticks, then 60 readings of exactly 21.0.
      for (let i = 0; i < 10; i++) d.update(i, 21 + (i % 2) * 0.1)
      for (let i = 10; i < 70; i++) d.update(i, 21)
      expect(d.update(70, 21.1).alert).toBe(alerts)
    }
  })
})
