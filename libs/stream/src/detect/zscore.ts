/**
 * @module detect/zscore
 * The baseline detector of DESIGN.md §8: how many standard deviations a value lies from the mean of the last
 * `window` values, `z = (x − mean) / std`. It is cheap (O(1) per value) and easy to explain, and good at
 * spikes on a stationary signal; it adapts to a level shift within about half a window, and a spike inflates
 * its std for a whole window (use the MAD detector where that matters).
 *
 * Each value is scored against the window *before* it joins it. Until `minSamples` values have been seen the
 * mean and std are too uncertain, so the detector reports score 0 (`normal`). The std is the population std
 * of the window, floored by {@link effectiveStd}: a constant signal scores 0, and a change of a constant
 * signal scores high but finite.
 *
 * With `seasonal`, the residual after the signal's learned cycle is watched too (`detect/seasonal-residual`),
 * and with `level` the residual around a slowly learned level where successive values are independent
 * (`detect/level-residual`): a shift or drift the window absorbs before it stands out scores in proportion
 * to the CUSUM sum, as a `shift` or `drift`, above the alert threshold.
 */

import {
  checkInteger,
  createRunClassifier,
  effectiveStd,
  resolveThresholds,
  toDetection,
  type CommonDetectorOptions,
} from './levels.js'
import { createLevelResidual } from './level-residual.js'
import type { ResidualTest, ResidualVerdict } from './residual-cusum.js'
import { createRollingMoments } from './rolling-moments.js'
import { createSeasonalResidual } from './seasonal-residual.js'
import type { AnomalyKind, Detection, SerialisableDetector } from './types.js'

/** Options of {@link createZScoreDetector}. */
export interface ZScoreOptions extends CommonDetectorOptions {
  /** How many recent values form the baseline. Default 100. */
  readonly window?: number
  /** Values needed before the detector may flag anything. Default 20 (DESIGN.md §8). */
  readonly minSamples?: number
  /** Consecutive same-side alerts after which the kind becomes `shift` instead of `spike`. Default 5. */
  readonly sustain?: number
  /**
   * Floor the std at the smallest non-zero step the signal has taken (its resolution), so that a window of
   * one repeated value (a quantised sensor sitting still) followed by a one-step move scores 1, not
   * thousands. Default false (the anomaly service's default detector turns it on).
   */
  readonly stepFloor?: boolean
  /**
   * Also watch the residual after the learned periodic component for level shifts and drifts
   * (`detect/seasonal-residual`): what a local baseline cannot tell from the signal's own cycle. Off when no
   * period is found. Default false (the anomaly service's default detector turns it on).
   */
  readonly seasonal?: boolean
  /**
   * Also watch the residual around a slowly learned level for shifts and drifts, while successive values
   * are independent (`detect/level-residual`): noise around an operating point, where a shift of a few σ
   * that stays is absorbed by the window before it reaches the threshold. Off on a random walk, a slow
   * wander or a cycle. Default false (the anomaly service's default detector turns it on).
   */
  readonly level?: boolean
}

/** The residual tests the options ask for, keyed by the name their state is saved under. */
function residualTests(options: ZScoreOptions): [string, ResidualTest][] {
  const tests: [string, ResidualTest][] = []
  if (options.seasonal === true) tests.push(['residual', createSeasonalResidual()])
  if (options.level === true) tests.push(['level', createLevelResidual()])
  return tests
}

/** Every test learns the value; the verdict is the strongest alarm among them, if any. */
function residualVerdict(
  tests: [string, ResidualTest][],
  value: number,
): ResidualVerdict | undefined {
  let strongest: ResidualVerdict | undefined
  for (const [, test] of tests) {
    const v = test.update(value)
    if (v.alarm && (strongest === undefined || v.ratio > strongest.ratio)) strongest = v
  }
  return strongest
}

/**
 * Creates a rolling z-score detector (`name: 'zscore'`); the score is |z|.
 *
 * A non-finite value is not learned from and scores 0, so one bad reading cannot poison the window.
 *
 * @example
 * const detector = createZScoreDetector({ window: 100, thresholds: { alert: 2.5 } })
 * const d = detector.update(t, 580) // against mean 500, std 40: d.score === 2, d.level === 'normal'
 */
export function createZScoreDetector(options: ZScoreOptions = {}): SerialisableDetector {
  const window = checkInteger('window', options.window ?? 100, 2)
  const minSamples = checkInteger('minSamples', options.minSamples ?? 20, 2)
  const sustain = checkInteger('sustain', options.sustain ?? 5, 1)
  const thresholds = resolveThresholds(options.thresholds)
  const { minStd } = options
  const moments = createRollingMoments(window)
  const runs = createRunClassifier(sustain)
  const stepFloor = options.stepFloor ?? false
  const residuals = residualTests(options)
  // The last value and the smallest step, in a typed array: a closure's `let` holding a double allocated
  // a new number on every write (issue 16).
  const stepState = new Float64Array([Number.NaN, Number.POSITIVE_INFINITY])
  const LAST = 0
  const STEP = 1
  /** The least std divided by: the resolution with `stepFloor`, else what {@link effectiveStd} takes. */
  const floorOf = (mean: number): number => {
    const step = stepState[STEP]!
    const least = minStd ?? 1e-9 * Math.max(1, Math.abs(mean))
    return stepFloor && Number.isFinite(step) ? Math.max(step, least) : least
  }
  const learnStep = (value: number): void => {
    const move = Math.abs(value - stepState[LAST]!)
    if (move > 0 && move < stepState[STEP]!) stepState[STEP] = move
    stepState[LAST] = value
  }
  // The last point's score and baseline, and its kind: `lastDetection` builds the detection from them
  // only when asked (`observe`, issue 16); `update` always asks.
  const scored = new Float64Array(4)
  const SCORE = 0
  const MEAN = 1
  const STD = 2
  const COUNT = 3
  let scoredKind: AnomalyKind = 'spike'
  const keep = (score: number, kind: AnomalyKind, mean: number, std: number, n: number) => {
    scored[SCORE] = score
    scored[MEAN] = mean
    scored[STD] = std
    scored[COUNT] = n
    scoredKind = kind
    return score > thresholds.alert
  }
  const lastDetection = (): Detection =>
    toDetection(scored[SCORE]!, thresholds, scoredKind, scored[MEAN]!, scored[STD]!, scored[COUNT]!)

  function observe(_t: number, value: number): boolean {
    const n = moments.count
    const mean = moments.mean
    const std = Math.sqrt(moments.variance)
    if (!Number.isFinite(value) || n < Math.min(minSamples, window)) {
      if (Number.isFinite(value)) {
        moments.push(value)
        learnStep(value)
        residualVerdict(residuals, value)
      }
      return keep(0, 'spike', mean, std, n)
    }
    const z = (value - mean) / effectiveStd(std, mean, floorOf(mean))
    const seen = residualVerdict(residuals, value)
    const kind = runs.classify(Math.abs(z) > thresholds.alert, z)
    moments.push(value)
    learnStep(value)
    // A residual alarm scores in proportion to its CUSUM sum, above the alert threshold.
    if (seen !== undefined && seen.ratio * thresholds.alert > Math.abs(z)) {
      return keep(seen.ratio * thresholds.alert, seen.kind, mean, std, n)
    }
    return keep(Math.abs(z), kind, mean, std, n)
  }

  return {
    name: 'zscore',
    update(t: number, value: number): Detection {
      observe(t, value)
      return lastDetection()
    },
    observe,
    lastDetection,
    reset() {
      moments.clear()
      runs.reset()
      for (const [, test] of residuals) test.reset()
      stepState[LAST] = Number.NaN
      stepState[STEP] = Number.POSITIVE_INFINITY
    },
    saveState: () => ({
      moments: moments.saveState(),
      runs: runs.snapshot(),
      last: stepState[LAST]!,
      step: stepState[STEP]!,
      ...Object.fromEntries(residuals.map(([key, test]) => [key, test.saveState()])),
    }),
    loadState(r, s) {
      const nextRuns = r.numbers(s.runs, 'state.model.runs', 2)
      const nextLast = r.number(s.last, 'state.model.last')
      const nextStep = r.number(s.step, 'state.model.step')
      for (const [key, test] of residuals) {
        test.loadState(r, r.object(s[key], `state.model.${key}`), `state.model.${key}`)
      }
      moments.loadState(r, r.object(s.moments, 'state.model.moments'), 'state.model.moments')
      runs.restore(nextRuns)
      stepState[LAST] = nextLast
      stepState[STEP] = nextStep
    },
  }
}
