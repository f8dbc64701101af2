import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  labelCorpus,
  scoreCorpus,
  type NabCorpus,
  type RowLabels,
  type Thresholds,
} from '../src/internal.js'
import { loadCorpus, readResults, readThresholds, resolveNabDir } from '../src/files.js'

const dir = resolveNabDir()
const present = existsSync(join(dir, 'labels', 'combined_windows.json'))
if (!present && process.env['SLUICE_REQUIRE_EXTERNAL'] === '1') {
  throw new Error(
    `NAB corpus not found at ${dir} (set SLUICE_NAB_DIR) and SLUICE_REQUIRE_EXTERNAL=1`,
  )
}
if (!present)
  console.warn(`skipping NAB reference scoring: no corpus at ${dir} (set SLUICE_NAB_DIR)`)

describe.skipIf(!present)('NAB scorer against the published results', () => {
  let corpus: NabCorpus
  let labels: RowLabels[]
  let thresholds: Thresholds
  const reference = (detector: string) =>
    Promise.all(
      corpus.files.map((f) => readResults(join(dir, 'reference-results'), detector, f.name)),
    )
  const rounded = (results: { profile: string; normalized: number }[]) =>
    Object.fromEntries(results.map((r) => [r.profile, Math.round(r.normalized * 100) / 100]))

  beforeAll(async () => {
    corpus = await loadCorpus(dir)
    labels = labelCorpus(corpus)
    thresholds = await readThresholds(dir)
  })

  it('labels 58 files and 116 windows, none inside a probationary period', () => {
    expect(corpus.files).toHaveLength(58)
    expect(corpus.windowCount).toBe(116)
    expect(labels.reduce((s, l) => s + l.windowCount, 0)).toBe(116)
  })

  it('reproduces windowedGaussian 39.65 / 20.87 / 47.41 at its shipped threshold 1.0', async () => {
    const scores = await reference('windowedGaussian')
    const t = thresholds['windowedGaussian']!
    expect(t['standard']).toBe(1)
    const results = scoreCorpus(corpus.profiles, labels, scores, corpus.windowCount, t)
    expect(rounded(results)).toEqual({
      standard: 39.65,
      reward_low_FP_rate: 20.87,
      reward_low_FN_rate: 47.41,
    })
  })

  it('reproduces numenta 70.10 / 63.12 / 74.32 at its thresholds from config/thresholds.json', async () => {
    const scores = await reference('numenta')
    const results = scoreCorpus(
      corpus.profiles,
      labels,
      scores,
      corpus.windowCount,
      thresholds['numenta'],
    )
    expect(rounded(results)).toEqual({
      standard: 70.1,
      reward_low_FP_rate: 63.12,
      reward_low_FN_rate: 74.32,
    })
  })

  it('finds a threshold at least as good as the published one when optimising numenta', async () => {
    const scores = await reference('numenta')
    const [standard] = scoreCorpus(corpus.profiles, labels, scores, corpus.windowCount)
    expect(standard!.profile).toBe('standard')
    expect(standard!.normalized).toBeGreaterThanOrEqual(70.1)
    expect(standard!.threshold).toBeCloseTo(0.543, 3)
  })
})
