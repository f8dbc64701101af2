/**
 * @module detect/ewma
 * A detector for non-stationary signals (daylight on a light sensor, a room warming up): the baseline is an
 * exponentially weighted moving mean and variance (Finch, "Incremental calculation of weighted mean and
 * variance", 2009), so it follows slow changes and forgets old levels with a time constant of about
 * `1/alpha` samples, and needs only O(1) memory.
 *
 * Two statistics are scored against that baseline, and the score is the larger:
 * - the point residual `|x − mean| / std`, for spikes;
 * - an EWMA control chart of the residuals, `c ← λ·r + (1 − λ)·c`, in units of its own asymptotic standard
 *   deviation `√(λ / (2 − λ))` (Roberts, "Control chart tests based on geometric moving averages",
 *   Technometrics 1959; Lucas & Saccucci, Technometrics 1990). It averages out noise, so a sustained
 *   deviation of one or two σ stands out before the baseline absorbs it: a level shift.
 *
 * The chart's input is clipped so one point alone cannot lift it past `unusual`. An alert is a `shift` when the chart is above the alert threshold while the point residual is not (a
 * moderate, sustained deviation), or after `sustain` consecutive same-side alerts; otherwise a `spike`.
 *
 * Learning is winsorised: the value the baseline learns from is clipped to `mean ± clip·std`, so a single
 * spike moves the mean by at most `alpha·clip` std and barely inflates the variance, while a real shift is
 * still absorbed within a few time constants (a Huber-type robust EWMA).
 */

import {
  checkInteger,
  checkNumber,
  createRunClassifier,
  effectiveStd,
  resolveThresholds,
  toDetection,
  type CommonDetectorOptions,
} from './levels.js'
import type { Detection, SerialisableDetector } from './types.js'

/** Options of {@link createEwmaDetector}. */
export interface EwmaOptions extends CommonDetectorOptions {
  /** Smoothing of the baseline mean and variance, in (0, 1]. Default 0.02 (time constant ≈ 50 samples). */
  readonly alpha?: number
  /** Smoothing λ of the residual control chart, in (0, 1]. Default 0.2. */
  readonly lambda?: number
  /** Values used to start the baseline (plain mean and variance) before flagging. Default 20. */
  readonly minSamples?: number
  /** Learning clips values to `mean ± clip·std`. Default 4. */
  readonly clip?: number
  /** Consecutive same-side alerts after which the kind becomes `shift`. Default 5. */
  readonly sustain?: number
}

/**
 * Creates an EWMA detector with an adaptive baseline (`name: 'ewma'`). A non-finite value is not learned
 * from and scores 0.
 *
 * @example
 * const detector = createEwmaDetector({ alpha: 0.01 })
 * for (const s of samples) {
 *   const d = detector.update(s.t, s.value)
 *   if (d.alert && d.kind === 'shift') console.log('level changed near', s.t)
 * }
 */
export function createEwmaDetector(options: EwmaOptions = {}): SerialisableDetector {
  const alpha = checkNumber('alpha', options.alpha ?? 0.02, 0, 1)
  const lambda = checkNumber('lambda', options.lambda ?? 0.2, 0, 1)
  const minSamples = checkInteger('minSamples', options.minSamples ?? 20, 2)
  const clip = checkNumber('clip', options.clip ?? 4, 0, Number.MAX_VALUE)
  const sustain = checkInteger('sustain', options.sustain ?? 5, 1)
  const thresholds = resolveThresholds(options.thresholds)
  const { minStd } = options
  const chartStd = Math.sqrt(lambda / (2 - lambda))
  // The chart is for deviations that build up over several points; a lone spike is the point residual's
  // job. Clipping its input so that one point alone moves the chart by at most the `unusual` threshold keeps
  // a spike from also raising a `shift` on the points after it.
  const chartClip = Math.min(clip, (thresholds.unusual * chartStd) / lambda)
  const runs = createRunClassifier(sustain)

  let n = 0
  let mean = 0
  let variance = 0
  let chart = 0

  return {
    name: 'ewma',
    update(_t: number, value: number): Detection {
      const std = Math.sqrt(variance)
      const seen = n
      if (!Number.isFinite(value)) return toDetection(0, thresholds, 'spike', mean, std, seen)
      if (n < minSamples) {
        const before = mean
        // Start-up: Welford's running mean and (population) variance, so the first value does not become
        // the baseline on its own.
        n++
        const d = value - mean
        mean += d / n
        variance += (d * (value - mean) - variance) / n
        return toDetection(0, thresholds, 'spike', before, std, seen)
      }
      const s = effectiveStd(std, mean, minStd)
      const residual = (value - mean) / s
      const chartInput = Math.min(chartClip, Math.max(-chartClip, residual))
      chart = lambda * chartInput + (1 - lambda) * chart
      const point = Math.abs(residual)
      const sustained = Math.abs(chart) / chartStd
      const score = Math.max(point, sustained)
      const alert = score > thresholds.alert
      const runKind = runs.classify(alert, point >= sustained ? residual : chart)
      const kind =
        alert && sustained > thresholds.alert && point <= thresholds.alert ? 'shift' : runKind
      const detection = toDetection(score, thresholds, kind, mean, std, seen)

      // Learn after scoring, from the winsorised value (see @module).
      const clipped = Math.min(mean + clip * s, Math.max(mean - clip * s, value))
      const d = clipped - mean
      mean += alpha * d
      variance = (1 - alpha) * (variance + alpha * d * d)
      n++
      return detection
    },
    reset() {
      n = 0
      mean = 0
      variance = 0
      chart = 0
      runs.reset()
    },
    saveState: () => ({ n, mean, variance, chart, runs: runs.snapshot() }),
    loadState(r, s) {
      const next = {
        n: r.integer(s.n, 'state.model.n'),
        mean: r.number(s.mean, 'state.model.mean'),
        variance: r.number(s.variance, 'state.model.variance'),
        chart: r.number(s.chart, 'state.model.chart'),
        runs: r.numbers(s.runs, 'state.model.runs', 2),
      }
      ;({ n, mean, variance, chart } = next)
      runs.restore(next.runs)
    },
  }
}
