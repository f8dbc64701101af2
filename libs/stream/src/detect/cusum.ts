/**
 * @module detect/cusum
 * Two-sided tabular CUSUM (Page, "Continuous inspection schemes", Biometrika 1954; Montgomery, "Introduction
 * to Statistical Quality Control", §9.1) for level shifts and drifts too small for a point detector: with
 * `z = (x − μ₀)/σ` against a reference level μ₀,
 *
 *     S⁺ ← max(0, S⁺ + z − k)      S⁻ ← max(0, S⁻ − z − k)
 *
 * and an alarm when either exceeds `h`. `k` (default 0.5) is half the shift, in σ, the chart is tuned for,
 * and `h` (default 5) the decision interval; with these, a 1σ shift is found after about 10 samples while
 * the in-control average run length is about 465 samples (two-sided; Montgomery Table 9.3).
 *
 * μ₀ and σ are learned from the first `minSamples` values. After an alarm the detector re-baselines: μ₀
 * moves to the mean of the samples since the alarming sum last left zero (the estimated new level, which is
 * the change-point estimate of the tabular CUSUM), σ stays, and both sums restart at 0. So one step change
 * gives one alarm, of kind `shift`; a drift keeps outrunning each new baseline and gives repeated alarms
 * in the same direction, and an alarm within `driftWindow` samples of a previous one in the same direction
 * is of kind `drift`.
 *
 * Each standardised value is clipped to ±`clip` (default 4) before it is summed (a robust CUSUM, after
 * Lucas & Crosier, Technometrics 1982), so that one spike alone cannot raise an alarm: it adds at most
 * `clip − k` = 3.5 < `h`.
 *
 * The score is max(S⁺, S⁻), in σ; by default `unusual` and `alert` are `h` and `very-unusual` is `2h`.
 */

import {
  checkInteger,
  checkNumber,
  effectiveStd,
  resolveThresholds,
  toDetection,
  type CommonDetectorOptions,
} from './levels.js'
import type { AnomalyKind, Detection, Detector } from './types.js'

/** Options of {@link createCusumDetector}. */
export interface CusumOptions extends CommonDetectorOptions {
  /** Reference value (allowance) in σ: half the smallest shift worth finding. Default 0.5. */
  readonly k?: number
  /** Decision interval in σ: an alarm when a sum exceeds it. Default 5. */
  readonly h?: number
  /** Values used to learn μ₀ and σ before the first alarm is possible. Default 30. */
  readonly minSamples?: number
  /** Standardised values are clipped to ±clip before summing. Default 4. */
  readonly clip?: number
  /** An alarm this many samples or fewer after a same-direction alarm is a `drift`. Default 200. */
  readonly driftWindow?: number
}

/**
 * Creates a two-sided CUSUM detector (`name: 'cusum'`). A non-finite value is not learned from and scores 0.
 *
 * @example
 * const detector = createCusumDetector({ k: 0.5, h: 5 })
 * const d = detector.update(t, value)
 * if (d.alert) console.log(`${d.kind}: level moved from ${d.baseline.mean}`)
 */
export function createCusumDetector(options: CusumOptions = {}): Detector {
  const k = checkNumber('k', options.k ?? 0.5, 0, Number.MAX_VALUE)
  const h = checkNumber('h', options.h ?? 5, 0, Number.MAX_VALUE)
  const minSamples = checkInteger('minSamples', options.minSamples ?? 30, 2)
  const clip = checkNumber('clip', options.clip ?? 4, 0, Number.MAX_VALUE)
  const driftWindow = checkInteger('driftWindow', options.driftWindow ?? 200, 0)
  const thresholds = resolveThresholds(options.thresholds, {
    unusual: h,
    veryUnusual: 2 * h,
    alert: h,
  })
  const { minStd } = options

  // Start-up (Welford).
  let n = 0
  let mean = 0
  let m2 = 0
  let sigma = 0
  // The sums and, for each, the length and the (unclipped) sum of z since it last left 0, whose mean is the
  // estimated new level: clipping it would under-estimate a large step and cause a second alarm.
  let upper = 0
  let lower = 0
  let upperRun = 0
  let upperRunSum = 0
  let lowerRun = 0
  let lowerRunSum = 0
  let lastAlarmAt = Number.NEGATIVE_INFINITY
  let lastAlarmSide = 0

  const restartSums = (): void => {
    upper = 0
    lower = 0
    upperRun = 0
    upperRunSum = 0
    lowerRun = 0
    lowerRunSum = 0
  }

  return {
    name: 'cusum',
    update(_t: number, value: number): Detection {
      const seen = n
      if (!Number.isFinite(value)) return toDetection(0, thresholds, 'shift', mean, sigma, seen)
      if (n < minSamples) {
        const before = mean
        const sigmaBefore = sigma
        n++
        const d = value - mean
        mean += d / n
        m2 += d * (value - mean)
        sigma = Math.sqrt(m2 / n)
        return toDetection(0, thresholds, 'shift', before, sigmaBefore, seen)
      }
      n++
      const s = effectiveStd(sigma, mean, minStd)
      const raw = (value - mean) / s
      const z = Math.min(clip, Math.max(-clip, raw))

      upper = Math.max(0, upper + z - k)
      if (upper > 0) {
        upperRun++
        upperRunSum += raw
      } else {
        upperRun = 0
        upperRunSum = 0
      }
      lower = Math.max(0, lower - z - k)
      if (lower > 0) {
        lowerRun++
        lowerRunSum += raw
      } else {
        lowerRun = 0
        lowerRunSum = 0
      }

      const score = Math.max(upper, lower)
      let kind: AnomalyKind = 'shift'
      const detection = (): Detection => toDetection(score, thresholds, kind, mean, sigma, seen)
      if (score <= h) return detection()

      const side = upper >= lower ? 1 : -1
      if (side === lastAlarmSide && n - lastAlarmAt <= driftWindow) kind = 'drift'
      const result = detection()
      // Re-baseline on the estimated new level: the mean of the values since the sum left zero.
      const run = side > 0 ? upperRun : lowerRun
      const runSum = side > 0 ? upperRunSum : lowerRunSum
      mean += (runSum / run) * s
      lastAlarmAt = n
      lastAlarmSide = side
      restartSums()
      return result
    },
    reset() {
      n = 0
      mean = 0
      m2 = 0
      sigma = 0
      lastAlarmAt = Number.NEGATIVE_INFINITY
      lastAlarmSide = 0
      restartSums()
    },
  }
}
