/**
 * @module detect/cusum
 * Two-sided tabular CUSUM (Page, "Continuous inspection schemes", Biometrika 1954; Montgomery, "Introduction
 * to Statistical Quality Control", §9.1) for level shifts and drifts too small for a point detector: with
 * `z = (x − μ₀)/σ` against a reference level μ₀,
 *
 *     S⁺ ← max(0, S⁺ + z − k)      S⁻ ← max(0, S⁻ − z − k)
 *
 * and an alarm when either exceeds `h`. `k` (default 0.5) is half the shift, in σ, the chart is tuned for,
 * and `h` (default 5) the decision interval; with known μ₀ and σ, a 1σ shift is found after about 10
 * samples while the in-control average run length is about 465 samples (two-sided; Montgomery Table 9.3).
 *
 * μ₀ is the mean of the first `minSamples` values; σ comes from the average moving range, learned over the
 * whole stream. After an alarm the detector re-baselines: both sums restart at 0 and μ₀ is learned again
 * from the next `rebaseline` values (no alarm meanwhile). So one step change gives one alarm, of kind
 * `shift`; a drift keeps outrunning each new baseline and gives repeated alarms in the same direction, and an
 * alarm within `driftWindow` samples of the previous one, in the same direction, is of kind `drift`.
 *
 * Each standardised value is clipped to ±`clip` (default 4) before it is summed (a robust CUSUM, after
 * Lucas & Crosier, Technometrics 1982), so that one spike alone cannot raise an alarm: it adds at most
 * `clip − k` = 3.5 < `h`. Spikes are the point detectors' job.
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
  type LevelThresholds,
} from './levels.js'
import type { AnomalyKind, Detection, SerialisableDetector } from './types.js'
import type { StateObject, StateReader } from '../state/json-state.js'

/** Options of {@link createCusumDetector}. */
export interface CusumOptions extends CommonDetectorOptions {
  /** Reference value (allowance) in σ: half the smallest shift worth finding. Default 0.5. */
  readonly k?: number
  /** Decision interval in σ: an alarm when a sum exceeds it. Default 5. */
  readonly h?: number
  /** Values used to learn μ₀ (and σ) before the first alarm is possible. Default 50. */
  readonly minSamples?: number
  /** Values after an alarm whose mean becomes the new μ₀; no alarm meanwhile. Default 20. */
  readonly rebaseline?: number
  /** Standardised values are clipped to ±clip before summing. Default 4. */
  readonly clip?: number
  /**
   * An alarm at most this many samples after the previous same-direction one (counted from the end of its
   * re-baseline) is a `drift`. Default 200.
   */
  readonly driftWindow?: number
  /** Moving ranges averaged for σ before the average turns exponential (forgetting). Default 1000. */
  readonly memory?: number
}

/** d₂ for subgroups of 2: E|x₁ − x₂| = 1.128 σ for Gaussian noise (Montgomery, Appendix Table VI). */
const D2 = 1.128

/** {@link CusumOptions} checked, with their defaults filled in. */
interface CusumParams {
  readonly k: number
  readonly h: number
  readonly minSamples: number
  readonly rebaseline: number
  readonly clip: number
  readonly driftWindow: number
  readonly memory: number
  readonly thresholds: LevelThresholds
  readonly minStd: number | undefined
}

/** The detector's whole mutable state; also the shape of its saved state. */
interface CusumState {
  n: number
  // μ₀ is learned (Welford mean) over `learnTarget` values: the start-up, then each re-baseline.
  mean: number
  learning: number
  learnTarget: number
  learnMean: number
  // σ from the average moving range |xᵢ − xᵢ₋₁| / d₂, learned over the whole stream: unlike the std around
  // μ₀ it is not inflated by the shifts and drifts the chart is looking for (Montgomery §6.4).
  previous: number
  ranges: number
  meanRange: number
  upper: number
  lower: number
  lastAlarmAt: number
  lastAlarmSide: number
}

function resolveCusumParams(options: CusumOptions): CusumParams {
  const k = checkNumber('k', options.k ?? 0.5, 0, Number.MAX_VALUE)
  const h = checkNumber('h', options.h ?? 5, 0, Number.MAX_VALUE)
  const minSamples = checkInteger('minSamples', options.minSamples ?? 50, 2)
  const rebaseline = checkInteger('rebaseline', options.rebaseline ?? 20, 1)
  const clip = checkNumber('clip', options.clip ?? 4, 0, Number.MAX_VALUE)
  const driftWindow = checkInteger('driftWindow', options.driftWindow ?? 200, 0)
  const memory = checkInteger('memory', options.memory ?? 1000, 1)
  const thresholds = resolveThresholds(options.thresholds, {
    unusual: h,
    veryUnusual: 2 * h,
    alert: h,
  })
  const { minStd } = options
  return { k, h, minSamples, rebaseline, clip, driftWindow, memory, thresholds, minStd }
}

function initialCusumState(minSamples: number): CusumState {
  return {
    n: 0,
    mean: 0,
    learning: 0,
    learnTarget: minSamples,
    learnMean: 0,
    previous: Number.NaN,
    ranges: 0,
    meanRange: 0,
    upper: 0,
    lower: 0,
    lastAlarmAt: Number.NEGATIVE_INFINITY,
    lastAlarmSide: 0,
  }
}

/** Decodes a saved {@link CusumState}, checking every field before any is used. */
function readCusumState(r: StateReader, s: StateObject): CusumState {
  const num = (k: string): number => r.number(s[k], `state.model.${k}`)
  const int = (k: string): number => r.integer(s[k], `state.model.${k}`)
  return {
    n: int('n'),
    mean: num('mean'),
    learning: int('learning'),
    learnTarget: int('learnTarget'),
    learnMean: num('learnMean'),
    previous: num('previous'),
    ranges: int('ranges'),
    meanRange: num('meanRange'),
    upper: num('upper'),
    lower: num('lower'),
    lastAlarmAt: num('lastAlarmAt'),
    lastAlarmSide: num('lastAlarmSide'),
  }
}

/** Folds the moving range from the previous value into the average that σ comes from. */
function learnRange(s: CusumState, p: CusumParams, value: number): void {
  if (!Number.isNaN(s.previous)) {
    let range = Math.abs(value - s.previous)
    // Once σ is known, one wild range (a spike gives two) counts at most as 5 typical ones.
    if (s.ranges >= p.minSamples) range = Math.min(range, 5 * s.meanRange)
    if (s.ranges < p.memory) s.ranges++
    s.meanRange += (range - s.meanRange) / s.ranges
  }
  s.previous = value
}

/** Restarts both sums and learns μ₀ afresh from the next `rebaseline` values. */
function rebaselineAfterAlarm(s: CusumState, p: CusumParams): void {
  // Using the mean since the sum left zero instead (the change-point estimate) re-centres a false alarm's
  // noise and provokes an alarm the other way.
  s.upper = 0
  s.lower = 0
  s.learning = 0
  s.learnMean = 0
  s.learnTarget = p.rebaseline
  s.lastAlarmAt = s.n + p.rebaseline
}

/** One step of the chart for a finite value, past learning: the sums, μ₀ refined, and any alarm. */
function updateSums(
  s: CusumState,
  p: CusumParams,
  value: number,
  std: number,
  seen: number,
): Detection {
  const sd = effectiveStd(std, s.mean, p.minStd)
  const z = Math.min(p.clip, Math.max(-p.clip, (value - s.mean) / sd))
  s.upper = Math.max(0, s.upper + z - p.k)
  s.lower = Math.max(0, s.lower - z - p.k)
  learnRange(s, p, value)
  // Keep refining μ₀ with a running mean (self-starting, after Hawkins, "Self-starting CUSUM charts for
  // location and scale", The Statistician 1987): a μ₀ from only `minSamples` values is off by about
  // σ/√minSamples, which alone halves the in-control run length. The weight 1/count shrinks, to 1/memory,
  // so a shift or a drift is absorbed far slower than the sums react to it.
  if (s.learning < p.memory) s.learning++
  const clipped = Math.min(s.mean + p.clip * sd, Math.max(s.mean - p.clip * sd, value))
  s.learnMean += (clipped - s.learnMean) / s.learning

  const score = Math.max(s.upper, s.lower)
  if (score <= p.h) {
    const detection = toDetection(score, p.thresholds, 'shift', s.mean, std, seen)
    s.mean = s.learnMean
    return detection
  }

  const side = s.upper >= s.lower ? 1 : -1
  const kind: AnomalyKind =
    side === s.lastAlarmSide && s.n - s.lastAlarmAt <= p.driftWindow ? 'drift' : 'shift'
  s.lastAlarmSide = side
  rebaselineAfterAlarm(s, p)
  return toDetection(score, p.thresholds, kind, s.mean, std, seen)
}

/** Scores one value: learning μ₀ (no alarm possible) or summing. */
function updateCusum(s: CusumState, p: CusumParams, value: number): Detection {
  const seen = s.n
  const std = s.meanRange / D2
  if (!Number.isFinite(value)) return toDetection(0, p.thresholds, 'shift', s.mean, std, seen)
  s.n++
  if (s.learning < s.learnTarget) {
    s.learning++
    s.learnMean += (value - s.learnMean) / s.learning
    if (s.learning === s.learnTarget) s.mean = s.learnMean
    learnRange(s, p, value)
    return toDetection(0, p.thresholds, 'shift', s.mean, std, seen)
  }
  return updateSums(s, p, value, std, seen)
}

/**
 * Creates a two-sided CUSUM detector (`name: 'cusum'`). A non-finite value is not learned from and scores 0.
 *
 * @example
 * const detector = createCusumDetector({ k: 0.5, h: 5 })
 * const d = detector.update(t, value)
 * if (d.alert) console.log(`${d.kind}: level moved from ${d.baseline.mean}`)
 */
export function createCusumDetector(options: CusumOptions = {}): SerialisableDetector {
  const params = resolveCusumParams(options)
  let state = initialCusumState(params.minSamples)
  return {
    name: 'cusum',
    update(_t: number, value: number): Detection {
      return updateCusum(state, params, value)
    },
    reset() {
      state = initialCusumState(params.minSamples)
    },
    saveState: () => ({ ...state }),
    loadState(r, s) {
      state = readCusumState(r, s)
    },
  }
}
