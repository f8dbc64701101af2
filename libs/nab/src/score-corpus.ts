/**
 * @module nab/score-corpus
 * Scores a detector on the whole NAB corpus for every profile: either at given thresholds (to reproduce
 * published results) or at the threshold NAB's optimiser would pick (the best raw score over the corpus),
 * and normalises against the null detector (0) and the perfect one (100). Pure: takes the corpus already
 * read and one anomaly-score array per file.
 */
import type { NabCorpus, Profiles } from './corpus.js'
import {
  labelRows,
  normalizeScore,
  optimizeThreshold,
  scoreAtThreshold,
  type RowLabels,
  type ThresholdScore,
} from './sweeper.js'

/** A detector's result on one profile. */
export interface ProfileResult extends ThresholdScore {
  readonly profile: string
  /** The normalised NAB score: 0 = null detector, 100 = perfect. */
  readonly normalized: number
}

/** Labels every file of the corpus once; reuse the result across detectors and profiles. */
export function labelCorpus(corpus: Pick<NabCorpus, 'files'>): RowLabels[] {
  return corpus.files.map((f) => labelRows(f.name, f.timestamps, f.windows))
}

/**
 * Scores one detector on every profile.
 *
 * @param scores one anomaly-score array per corpus file, in `labels` order.
 * @param thresholds fixed threshold per profile; a profile missing here is optimised.
 * @example
 * ```ts
 * const labels = labelCorpus(corpus)
 * const results = scoreCorpus(corpus.profiles, labels, scores, corpus.windowCount)
 * ```
 */
export function scoreCorpus(
  profiles: Profiles,
  labels: readonly RowLabels[],
  scores: readonly ArrayLike<number>[],
  windowCount: number,
  thresholds: Readonly<Record<string, number>> = {},
): ProfileResult[] {
  if (scores.length !== labels.length) {
    throw new RangeError(`${scores.length} score arrays for ${labels.length} corpus files`)
  }
  const files = labels.map((l, i) => ({ labels: l, scores: scores[i]! }))
  const counted = labels.reduce((sum, l) => sum + l.windowCount, 0)
  return Object.entries(profiles).map(([profile, cost]) => {
    const fixed = thresholds[profile]
    let result: ThresholdScore
    if (fixed === undefined) {
      result = optimizeThreshold(files, cost)
    } else {
      const parts = files.map((f) => scoreAtThreshold(f.labels, f.scores, cost, fixed))
      result = {
        threshold: fixed,
        score: parts.reduce((s, p) => s + p.score, 0),
        tp: parts.reduce((s, p) => s + p.tp, 0),
        tn: parts.reduce((s, p) => s + p.tn, 0),
        fp: parts.reduce((s, p) => s + p.fp, 0),
        fn: parts.reduce((s, p) => s + p.fn, 0),
      }
    }
    // The null detector never fires, so it scores −fnWeight per counted window.
    const nullScore = -cost.fnWeight * counted
    const perfect = windowCount * cost.tpWeight
    return { ...result, profile, normalized: normalizeScore(result.score, nullScore, perfect) }
  })
}
