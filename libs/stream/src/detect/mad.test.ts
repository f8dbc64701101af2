import { describe, expect, it } from 'vitest'
import { createPrng } from '../sim/prng.js'
import { isAlert } from './levels.js'
import { createMadDetector, MAD_TO_SIGMA, MEAN_AD_TO_SIGMA } from './mad.js'
import { createZScoreDetector } from './zscore.js'

describe('createMadDetector', () => {
  it('scores the distance from the median in units of 1.4826 · MAD', () => {
    const detector = createMadDetector({ window: 5, minSamples: 5 })
    for (const v of [3, 1, 4, 1, 5]) detector.update(0, v)
    // median 3, MAD 2 → robust σ 2.9652; 10 is 7 away.
    const d = detector.update(0, 10)
    expect(d.baseline.mean).toBe(3)
    expect(d.baseline.std).toBeCloseTo(MAD_TO_SIGMA * 2, 12)
    expect(d.score).toBeCloseTo(7 / (MAD_TO_SIGMA * 2), 12)
  })

  it('falls back to the mean absolute deviation when more than half the window is one value (MAD = 0)', () => {
    const detector = createMadDetector({ window: 10, minSamples: 10 })
    for (const v of [5, 5, 5, 5, 5, 5, 5, 6, 4, 7]) detector.update(0, v)
    // median 5, MAD 0, mean |x − 5| = 4/10.
    const d = detector.update(0, 6)
    expect(d.baseline.std).toBeCloseTo(MEAN_AD_TO_SIGMA * 0.4, 12)
    expect(d.score).toBeCloseTo(1 / (MEAN_AD_TO_SIGMA * 0.4), 12)
    expect(Number.isFinite(d.score)).toBe(true)
  })

  it('scores a constant window 0, and a change of it finite', () => {
    const detector = createMadDetector()
    for (let i = 0; i < 30; i++) expect(detector.update(i, 7).score).toBe(0)
    const d = detector.update(30, 8)
    expect(Number.isFinite(d.score)).toBe(true)
    expect(d.level).toBe('very-unusual')
  })

  it('flags nothing before minSamples values', () => {
    const detector = createMadDetector({ minSamples: 20 })
    for (let i = 0; i < 19; i++) detector.update(i, i)
    expect(detector.update(19, 1e9).score).toBe(0)
    expect(detector.update(20, 1e9).score).toBeGreaterThan(3)
  })

  it('still flags a spike right after a burst of spikes that masks it for the z-score', () => {
    const prng = createPrng(7)
    const values = Array.from({ length: 200 }, () => 100 + prng.gaussian())
    for (let i = 150; i < 160; i++) values[i] = 130
    values[165] = 112
    const mad = createMadDetector({ window: 100 })
    const z = createZScoreDetector({ window: 100 })
    let madAlert = false
    let zAlert = false
    values.forEach((v, i) => {
      const dm = mad.update(i, v)
      const dz = z.update(i, v)
      if (i === 165) {
        madAlert = isAlert(dm)
        zAlert = isAlert(dz)
      }
    })
    // Ten 30σ values inflate the window's std to about 9, and the mean to 103, so 12σ looks like 1 std to the z-score.
    expect(zAlert).toBe(false)
    expect(madAlert).toBe(true)
  })
})
