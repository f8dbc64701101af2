/**
 * @module detect/level-residual
 * Level shifts and drifts on a channel whose successive values are independent: noise around a level, as
 * many machine sensors read while the machine holds its operating point (a pump's flow, a motor's current
 * or vibration). A rolling z-score compares a value with the last few seconds, so a shift of a few σ that
 * stays (a valve half closed) is in its window before it stands out, and a 6σ threshold never sees it. Here
 * the prediction for a value is a slowly learned level, and the two-sided CUSUM the seasonal test uses
 * (`detect/residual-cusum`) watches the residual: a shift of 6σ alarms within 4 samples, one of 3σ within
 * about 9, one of 2.5σ within about 12 (8 on average).
 *
 * - **It speaks only where the CUSUM's assumption holds**: independent residuals. Page's CUSUM and its
 *   false-alarm rate assume them; on a random walk, a slow wander or a cycle, every new level would be an
 *   alarm. Independence is measured as the von Neumann ratio (von Neumann 1941: the mean squared successive
 *   difference over twice the variance), 1 − ρ₁ of the residual: 1 for independent values, near 0 for a
 *   random walk or a signal much slower than the sampling. The test speaks while it is at least
 *   `minIndependence` (0.75: a lag-1 autocorrelation of at most 0.25).
 * - The level learns every sample by 1/`timeConstant` of the residual, clipped to ±`clip` σ, so a shift
 *   moves it by ≈ 2 % of itself in the 4 samples the CUSUM needs to see it; after an alarm the CUSUM
 *   re-bases it.
 * - σ and the spreads are learned from every sample without an alarm, with the level's memory, so the test
 *   also goes quiet while a channel wanders (a vibration reading that creeps by 2σ over minutes makes its
 *   residuals correlated). A change must therefore be abrupt to be seen: the CUSUM has to alarm before the
 *   change closes the test. Measured on Gaussian noise, 20 seeds each: shifts of 2.5σ and more alarmed
 *   every time, within 12 samples (3σ within 9, 4σ within 6); of 2σ 19 times (within 27), of 1.5σ 12
 *   times; ramps of 0.2–1σ a sample within 20 samples in 18–20 of 20, of 0.1σ within 31 in 17, of 0.05σ
 *   within 49 in 13 (the others later or not at all). Learning σ and the spreads from older samples (a
 *   delay line) or holding the test open through a CUSUM excursion sees small shifts more surely, but on
 *   real machine recordings lets a slow wander finish its excursion and alarm: more false alarms
 *   (docs/anomaly.md).
 * - The first `warmup` samples only learn: the level, σ and both spreads as plain means.
 *
 * Memory: a few numbers. Cost: O(1) per sample.
 */
import { checkInteger, checkNumber } from './levels.js'
import {
  SILENT,
  cusumParams,
  cusumStep,
  freshCusum,
  learnScale,
  loadNumbers,
  quietStep,
  settleStep,
  type CusumOptions,
  type ResidualTest,
  type ResidualVerdict,
} from './residual-cusum.js'

/** Options of {@link createLevelResidual}. */
export interface LevelResidualOptions extends CusumOptions {
  /** The residual's 1 − lag-1 autocorrelation needed for the test to speak. Default 0.75. */
  readonly minIndependence?: number
  /** The level moves by 1/this of each (clipped) residual. Default 200 samples. */
  readonly timeConstant?: number
  /** Samples that only learn before the test may speak. Default 100. */
  readonly warmup?: number
}

/** The level test of one sensor; see the module note. */
export interface LevelResidual extends ResidualTest {
  /** The residual's von Neumann ratio, 1 − ρ₁ (the test speaks from `minIndependence`). */
  readonly independence: number
}

/** A sensor's state before its first sample: the CUSUM's, the last value, the resolution, the spreads. */
function freshState() {
  return freshCusum({
    last: Number.NaN,
    step: Infinity,
    /** The mean of half the squared successive difference. */
    msd: 0,
    /** The mean squared residual. */
    msr: 0,
  })
}

type LevelState = ReturnType<typeof freshState>

/** One warm-up sample (the `m`-th residual): level, σ and spreads as plain means. */
function warmupStep(s: LevelState, r: number, d2: number, m: number): void {
  s.level += r / (m + 1)
  s.scale += (Math.abs(r) * 1.2533 - s.scale) / m
  s.msd += (d2 - s.msd) / m
  s.msr += (r * r - s.msr) / m
}

/**
 * Creates the level test of one sensor.
 *
 * @example
 * const residual = createLevelResidual()
 * const v = residual.update(74) // SILENT for the first 100 samples, then a CUSUM verdict
 */
export function createLevelResidual(options: LevelResidualOptions = {}): LevelResidual {
  const minIndependence = checkNumber('minIndependence', options.minIndependence ?? 0.75, 0, 2)
  const alpha = 1 / checkNumber('timeConstant', options.timeConstant ?? 200, 1, Infinity)
  const warmup = checkInteger('warmup', options.warmup ?? 100, 2)
  const params = cusumParams(options)
  const { clip } = params
  let s = freshState()
  const independence = (): number => (s.msr > 0 ? s.msd / s.msr : 0)

  /** Learns σ and the spreads from a residual and a difference inside the clip. */
  function learnSpreads(r: number, d2: number, sigma: number): void {
    const bound = clip * sigma
    learnScale(s, r, sigma, clip)
    if (d2 < bound * bound) s.msd += alpha * (d2 - s.msd)
    if (Math.abs(r) < bound) s.msr += alpha * (r * r - s.msr)
  }

  function verdictOn(value: number, r: number, d2: number): ResidualVerdict {
    const sigma = Math.max(s.scale, s.step / 2, 1e-9 * Math.max(1, Math.abs(value)))
    if (s.settle > 0) {
      settleStep(s, r, sigma)
      return SILENT
    }
    const verdict =
      independence() >= minIndependence ? cusumStep(s, r, sigma, params) : quietStep(s)
    if (verdict.alarm) return verdict
    learnSpreads(r, d2, sigma)
    s.level += alpha * Math.max(-clip * sigma, Math.min(clip * sigma, r))
    return verdict
  }

  return {
    get independence() {
      return independence()
    },
    update(value) {
      if (!Number.isFinite(value)) return SILENT
      const prev = s.last
      s.last = value
      s.n++
      if (s.n === 1) {
        s.level = value
        return SILENT
      }
      const move = Math.abs(value - prev)
      if (move > 0 && move < s.step) s.step = move
      const r = value - s.level
      const d2 = (value - prev) ** 2 / 2
      if (s.n <= warmup) {
        warmupStep(s, r, d2, s.n - 1)
        return SILENT
      }
      return verdictOn(value, r, d2)
    },
    reset() {
      s = freshState()
    },
    saveState: () => ({ ...s }),
    loadState(r, state, path) {
      s = loadNumbers(freshState(), r, state, path)
    },
  }
}
