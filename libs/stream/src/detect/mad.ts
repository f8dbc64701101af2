/**
 * @module detect/mad
 * A robust rolling detector: the distance of a value from the median of the last `window` values, in units
 * of the median absolute deviation (MAD) scaled to a standard deviation, `score = |x − median| /
 * (1.4826 · MAD)`. The median and the MAD ignore up to half the window being outliers (breakdown point 50%),
 * so a burst of spikes does not hide the next one, as it does with the mean and std of the z-score detector
 * (Rousseeuw & Croux, "Alternatives to the median absolute deviation", JASA 1993; Leys et al., "Detecting
 * outliers: do not use standard deviation around the mean, use absolute deviation around the median",
 * J. Exp. Soc. Psych. 2013). 1.4826 = 1/Φ⁻¹(3/4) makes the MAD estimate σ for Gaussian noise.
 *
 * MAD ≈ 0: when more than half the window holds one value (common with a quantised sensor) the MAD is 0.
 * Then the scale falls back to the mean absolute deviation around the median times 1.2533 (√(π/2), which
 * estimates σ for Gaussian noise), as in the modified z-score of Iglewicz & Hoaglin ("How to detect and
 * handle outliers", ASQC 1993); when that is 0 too, {@link effectiveStd}'s floor applies.
 *
 * The window is kept in an order statistic tree: O(log n) to add and drop a value, O(log² n) for the MAD.
 */

import {
  checkInteger,
  createRunClassifier,
  effectiveStd,
  resolveThresholds,
  toDetection,
  type CommonDetectorOptions,
} from './levels.js'
import { createOrderStatisticTree } from './order-statistics.js'
import type { Detection, SerialisableDetector } from './types.js'

/** Options of {@link createMadDetector}. */
export interface MadOptions extends CommonDetectorOptions {
  /** How many recent values form the baseline. Default 100. */
  readonly window?: number
  /** Values needed before the detector may flag anything. Default 20. */
  readonly minSamples?: number
  /** Consecutive same-side alerts after which the kind becomes `shift` instead of `spike`. Default 5. */
  readonly sustain?: number
}

/** 1 / Φ⁻¹(0.75): scales the MAD to σ for Gaussian data. */
export const MAD_TO_SIGMA = 1.4826
/** √(π/2): scales the mean absolute deviation to σ for Gaussian data. */
export const MEAN_AD_TO_SIGMA = 1.2533

/**
 * Creates a rolling median/MAD detector (`name: 'mad'`). The reported baseline is `{ mean: median, std:
 * robust σ (before flooring), n }`. A non-finite value is not learned from and scores 0.
 *
 * @example
 * const detector = createMadDetector({ window: 60 })
 * const d = detector.update(t, value)
 * if (d.alert) console.log(`${value} is ${d.score.toFixed(1)} robust σ from the median`)
 */
export function createMadDetector(options: MadOptions = {}): SerialisableDetector {
  const window = checkInteger('window', options.window ?? 100, 2)
  const minSamples = checkInteger('minSamples', options.minSamples ?? 20, 2)
  const sustain = checkInteger('sustain', options.sustain ?? 5, 1)
  const thresholds = resolveThresholds(options.thresholds)
  const { minStd } = options
  const tree = createOrderStatisticTree(window)
  const ring = new Float64Array(window)
  let head = 0
  const runs = createRunClassifier(sustain)

  const learn = (value: number): void => {
    if (tree.size === window) tree.remove(ring[head]!)
    tree.insert(value)
    ring[head] = value
    head = (head + 1) % window
  }

  return {
    name: 'mad',
    update(_t: number, value: number): Detection {
      const n = tree.size
      if (!Number.isFinite(value) || n < Math.min(minSamples, window)) {
        if (Number.isFinite(value)) learn(value)
        const m = n > 0 ? tree.median() : 0
        return toDetection(0, thresholds, 'spike', m, 0, n)
      }
      const median = tree.median()
      const mad = tree.medianAbsoluteDeviation()
      const sigma = mad > 0 ? MAD_TO_SIGMA * mad : MEAN_AD_TO_SIGMA * tree.meanAbsoluteDeviation()
      const deviation = value - median
      const score = Math.abs(deviation) / effectiveStd(sigma, median, minStd)
      const kind = runs.classify(score > thresholds.alert, deviation)
      learn(value)
      return toDetection(score, thresholds, kind, median, sigma, n)
    },
    reset() {
      tree.clear()
      head = 0
      runs.reset()
    },
    saveState: () => ({
      tree: tree.saveState(),
      ring: Array.from(ring),
      head,
      runs: runs.snapshot(),
    }),
    loadState(r, s) {
      const values = r.numbers(s.ring, 'state.model.ring', window)
      const h = r.integer(s.head, 'state.model.head')
      if (h >= window) r.fail('state.model.head', `is not below the window ${window}`)
      const nextRuns = r.numbers(s.runs, 'state.model.runs', 2)
      tree.loadState(r, r.object(s.tree, 'state.model.tree'), 'state.model.tree')
      ring.set(values)
      head = h
      runs.restore(nextRuns)
    },
  }
}
