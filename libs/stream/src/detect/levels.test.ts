import { describe, expect, it } from 'vitest'
import { DetectErrorCode, StreamError } from '../errors.js'
import {
  createRunClassifier,
  defaultThresholds,
  effectiveStd,
  isAlert,
  levelOf,
  likelihoodOf,
  resolveThresholds,
  toDetection,
} from './levels.js'

describe('levels', () => {
  it('treats exactly the unusual threshold as normal and strictly above it as unusual', () => {
    expect(levelOf(2, defaultThresholds)).toBe('normal')
    expect(levelOf(2.0001, defaultThresholds)).toBe('unusual')
    expect(levelOf(3, defaultThresholds)).toBe('unusual')
    expect(levelOf(3.0001, defaultThresholds)).toBe('very-unusual')
  })

  it('maps scores to a likelihood in [0, 1] that rises monotonically and is 0.5 at the alert threshold', () => {
    expect(likelihoodOf(0, 2.5)).toBe(0)
    expect(likelihoodOf(2.5, 2.5)).toBe(0.5)
    expect(likelihoodOf(Number.POSITIVE_INFINITY, 2.5)).toBe(1)
    expect(likelihoodOf(Number.NaN, 2.5)).toBe(0)
    expect(likelihoodOf(1e300, 2.5)).toBe(1)
    let previous = -1
    for (let s = 0; s < 20; s += 0.25) {
      const l = likelihoodOf(s, 2.5)
      expect(l).toBeGreaterThanOrEqual(previous)
      expect(l).toBeLessThanOrEqual(1)
      previous = l
    }
  })

  it('floors a zero std so a detector never divides by zero', () => {
    expect(effectiveStd(0, 0)).toBe(1e-9)
    expect(effectiveStd(0, 500)).toBeCloseTo(5e-7, 15)
    expect(effectiveStd(0, 500, 1)).toBe(1)
    expect(effectiveStd(40, 500)).toBe(40)
  })

  it('merges thresholds over the defaults and rejects bad ones with a coded error', () => {
    expect(resolveThresholds({ alert: 3 })).toEqual({ unusual: 2, veryUnusual: 3, alert: 3 })
    const bad = [{ unusual: 0 }, { alert: Number.NaN }, { unusual: 4, veryUnusual: 3 }]
    for (const t of bad) {
      expect(() => resolveThresholds(t)).toThrow(
        expect.objectContaining({ code: DetectErrorCode.InvalidOptions }) as Error,
      )
      expect(() => resolveThresholds(t)).toThrow(StreamError)
    }
  })

  it('builds a detection whose alert flag follows the alert threshold, not the level', () => {
    const d = toDetection(2.2, defaultThresholds, 'spike', 500, 40, 100)
    expect(d.level).toBe('unusual')
    expect(d.alert).toBe(false)
    expect(isAlert(d)).toBe(false)
    expect(isAlert(toDetection(2.6, defaultThresholds, 'spike', 500, 40, 100))).toBe(true)
  })

  it('falls back to the level when a detection has no alert flag', () => {
    const base = {
      score: 0,
      likelihood: 0,
      threshold: 2,
      kind: 'spike',
      baseline: { mean: 0, std: 1, n: 1 },
    } as const
    expect(isAlert({ ...base, level: 'normal' })).toBe(false)
    expect(isAlert({ ...base, level: 'unusual' })).toBe(true)
  })

  it('calls a run of same-side alerts a shift once it reaches the sustain length', () => {
    const runs = createRunClassifier(3)
    expect(runs.classify(true, 1)).toBe('spike')
    expect(runs.classify(true, 1)).toBe('spike')
    expect(runs.classify(true, 1)).toBe('shift')
    expect(runs.classify(true, -1)).toBe('spike')
    expect(runs.classify(false, 0)).toBe('spike')
    expect(runs.classify(true, -1)).toBe('spike')
  })
})
