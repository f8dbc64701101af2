import { describe, expect, it } from 'vitest'
import {
  MAX_TP,
  OUTSIDE,
  PROBATIONARY,
  labelRows,
  normalizeScore,
  optimizeThreshold,
  probationaryLength,
  scaledSigmoid,
  scoreAtThreshold,
  sweepThresholds,
  timestampKey,
} from './sweeper.js'

const standard = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1, tnWeight: 1 }
/** 100 rows, one per minute; a window over rows 60‥69; probation = 15 rows. */
const ts = Array.from({ length: 100 }, (_, i) => {
  const m = String(i % 60).padStart(2, '0')
  const h = String(Math.floor(i / 60)).padStart(2, '0')
  return `2020-01-01 ${h}:${m}:00`
})
const labels = labelRows('x/file.csv', ts, [[`${ts[60]!}.000000`, ts[69]!]])
const scoresWith = (hits: Record<number, number>) => {
  const s = new Float64Array(100)
  for (const [i, v] of Object.entries(hits)) s[Number(i)] = v
  return s
}

describe('NAB scaled sigmoid and probation', () => {
  it('is 0.98661 at the left edge, 0 at the right edge and −1 beyond three widths', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5)
    expect(scaledSigmoid(0)).toBe(0)
    expect(scaledSigmoid(3.01)).toBe(-1)
  })

  it('caps the probationary period at 750 rows', () => {
    expect(probationaryLength(1000)).toBe(150)
    expect(probationaryLength(22_000)).toBe(750)
  })

  it('matches label timestamps with a zero fraction to data timestamps', () => {
    expect(timestampKey('2014-04-10 07:15:00.000000')).toBe(timestampKey('2014-04-10 07:15:00'))
  })
})

describe('NAB per-file scoring', () => {
  it('marks probationary, window and outside rows', () => {
    expect(labels.windowOf[14]).toBe(PROBATIONARY)
    expect(labels.windowOf[15]).toBe(OUTSIDE)
    expect(labels.windowOf[60]).toBe(0)
    expect(labels.windowOf[70]).toBe(OUTSIDE)
    expect(labels.windowCount).toBe(1)
  })

  it('costs fnWeight for a window with no detection and ignores probationary detections', () => {
    const r = scoreAtThreshold(labels, scoresWith({ 3: 1 }), standard, 0.5)
    expect(r.score).toBe(-1)
    expect(r.fn).toBe(10)
  })

  it('rewards only the earliest detection in a window, a full point at the left edge', () => {
    const r = scoreAtThreshold(labels, scoresWith({ 60: 1, 65: 1 }), standard, 0.5)
    expect(r.score).toBeCloseTo(1, 12)
    expect(r.tp).toBe(2)
    const late = scoreAtThreshold(labels, scoresWith({ 69: 1 }), standard, 0.5)
    expect(late.score).toBeCloseTo(scaledSigmoid(-0.1) / MAX_TP, 12)
  })

  it('charges a false positive fpWeight far from windows and less just after one', () => {
    const early = scoreAtThreshold(labels, scoresWith({ 20: 1 }), standard, 0.5)
    expect(early.score).toBeCloseTo(-1 - 0.11, 12)
    const after = scoreAtThreshold(labels, scoresWith({ 70: 1 }), standard, 0.5)
    expect(after.score).toBeCloseTo(-1 + 0.11 * scaledSigmoid(1 / 9), 12)
  })

  it('counts a row as detected when its score equals the threshold', () => {
    expect(scoreAtThreshold(labels, scoresWith({ 60: 0.5 }), standard, 0.5).tp).toBe(1)
    expect(scoreAtThreshold(labels, scoresWith({ 60: 0.5 }), standard, 0.51).tp).toBe(0)
  })
})

describe('NAB threshold sweep', () => {
  const scores = scoresWith({ 20: 0.9, 62: 0.8, 80: 0.3 })

  it('agrees with per-threshold scoring at every distinct score', () => {
    for (const row of sweepThresholds([{ labels, scores }], standard)) {
      const direct = scoreAtThreshold(labels, scores, standard, row.threshold)
      expect(row.score).toBeCloseTo(row.threshold > 1 ? -1 : direct.score, 12)
    }
  })

  it('picks the threshold that keeps the window detection and drops the false positives', () => {
    const best = optimizeThreshold([{ labels, scores }], standard)
    expect(best.threshold).toBe(0.8)
    expect(best.fp).toBe(1)
  })

  it('normalises the null detector to 0 and a perfect one to 100', () => {
    expect(normalizeScore(-116, -116, 116)).toBe(0)
    expect(normalizeScore(116, -116, 116)).toBe(100)
  })
})
