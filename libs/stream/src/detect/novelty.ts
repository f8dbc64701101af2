/**
 * @module detect/novelty
 * A detector of *novel* values: a sensor that goes somewhere it has never been. It keeps a coarse map of
 * where the signal has been — the range it has covered, which of `bins` equal slices of that range it has
 * visited, and which of `contextBins` slices it has visited at each phase of the day — and scores a point by
 * the most surprising novelty it brings:
 *
 * - **excursion** (likelihood 1): outside the range seen so far by more than `tolerance` of its width. This
 *   is the "spatial anomaly" rule Numenta added to its HTM detector for NAB (`numenta_detector.py`).
 * - **new value** (0.95): inside the range, in a slice never visited (a level never held before).
 * - **new context** (0.9): a slice never visited at this time of day (a night-time peak, a missing daily
 *   rise), once such novelty has become rare (below `maxContextRate` of points), so the first days of a
 *   daily cycle, which are all new, do not alert. Time-of-day context follows HTM's date encoder and the
 *   contextual binning of CAD OSE (Smirnov, NAB 2016).
 *
 * After an alert, the next `refractory` points are capped below the alert threshold, so that one event is
 * one alert: the NAB score rewards only the earliest detection in a window and charges for every false one.
 * Below the novelty levels, the likelihood carries a small EWMA z-score term (< 0.4), so the value still
 * ranks ordinary points for display.
 *
 * Cost: O(1) per point (a few comparisons and bit operations; O(`bins` + `phases`·`contextBins`) when the
 * range widens, to re-project the visited maps onto the new slices) and O(1) memory (one 32-bit map per
 * phase plus one, and a few numbers), whatever the length of the stream.
 *
 * On the Numenta Anomaly Benchmark, one configuration (these defaults) for all 58 files scores 68 on the
 * standard profile (docs/anomaly.md).
 */

import { DetectErrorCode, StreamError } from '../errors.js'
import { checkInteger, checkNumber } from './levels.js'
import { createNoveltyMap, NOVELTY_LEVELS } from './novelty-map.js'
import type { AnomalyKind, Detection, SerialisableDetector } from './types.js'

/** Options of {@link createNoveltyDetector}. */
export interface NoveltyOptions {
  /** Slices of the seen range for the new-value rule, 2‥32. Default 32. */
  readonly bins?: number
  /** Margin beyond the seen range, as a share of its width, before a value is an excursion. Default 0.02. */
  readonly tolerance?: number
  /** Slices of the seen range for the time-of-day context rule, 2‥32. Default 6. */
  readonly contextBins?: number
  /** Phases of the period for the context rule (0 disables the rule). Default 8 (three hours each). */
  readonly phases?: number
  /** The period of the context, in the units of `t` (milliseconds). Default one day, 86 400 000. */
  readonly period?: number
  /** Context novelty alerts only while it has occurred on less than this share of points. Default 0.01. */
  readonly maxContextRate?: number
  /** Points after an alert during which the likelihood is capped below the alert threshold. Default 20. */
  readonly refractory?: number
  /** Points seen before anything may be flagged. Default 20 (DESIGN.md §8). */
  readonly minSamples?: number
  /** Likelihood at or above which a point is an alert. Default 0.9. */
  readonly alert?: number
  /** Smoothing of the EWMA baseline (reported, and the small z-score term). Default 0.01. */
  readonly alpha?: number
}

export { NOVELTY_LEVELS }

/** Largest likelihood of a point that brings no novelty, or is inside a refractory period. */
const QUIET_CAP = 0.4

/** Slice counts live in one 32-bit mask each. */
function checkBins(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 2 || value > 32) {
    throw new StreamError(
      DetectErrorCode.InvalidOptions,
      `Detector option ${name} must be an integer in 2‥32, got ${String(value)}`,
    )
  }
  return value
}

/** The kind of anomaly each novelty suggests. */
function kindOf(novelty: number): AnomalyKind {
  return novelty === NOVELTY_LEVELS.newValue
    ? 'shift'
    : novelty === NOVELTY_LEVELS.newContext
      ? 'drift'
      : 'spike'
}

/**
 * Creates a novelty detector (`name: 'novelty'`). The score and the likelihood are the same number in
 * [0, 1]; the level is `very-unusual` for an excursion, `unusual` for any other alert.
 *
 * @example
 * const detector = createNoveltyDetector()
 * for (const { t, value } of samples) {
 *   const d = detector.update(t, value)
 *   if (d.alert) console.log(t, value, d.kind, d.likelihood)
 * }
 */
export function createNoveltyDetector(options: NoveltyOptions = {}): SerialisableDetector {
  const bins = checkBins('bins', options.bins ?? 32)
  const contextBins = checkBins('contextBins', options.contextBins ?? 6)
  const tolerance = options.tolerance ?? 0.02
  if (!(Number.isFinite(tolerance) && tolerance >= 0 && tolerance <= 1)) {
    throw new StreamError(
      DetectErrorCode.InvalidOptions,
      `Detector option tolerance must be in [0, 1], got ${String(tolerance)}`,
    )
  }
  const phases = checkInteger('phases', options.phases ?? 8, 0)
  const period = checkNumber('period', options.period ?? 86_400_000, 0, Number.MAX_VALUE)
  const maxContextRate = checkNumber('maxContextRate', options.maxContextRate ?? 0.01, 0, 1)
  const refractory = checkInteger('refractory', options.refractory ?? 20, 0)
  const minSamples = checkInteger('minSamples', options.minSamples ?? 20, 1)
  const alert = checkNumber('alert', options.alert ?? 0.9, 0, 1)
  const alpha = checkNumber('alpha', options.alpha ?? 0.01, 0, 1)

  const seen = createNoveltyMap({ bins, contextBins, phases, tolerance, maxContextRate })
  let n = 0
  let sinceAlert = Number.POSITIVE_INFINITY
  let mean = 0
  let variance = 0

  const phaseOf = (t: number): number => {
    if (phases === 0 || !Number.isFinite(t)) return 0
    const r = ((t % period) + period) % period
    return Math.min(phases - 1, Math.floor((r / period) * phases))
  }

  return {
    name: 'novelty',
    update(t: number, value: number): Detection {
      const baseline = { mean, std: Math.sqrt(variance), n }
      if (!Number.isFinite(value)) {
        return {
          score: 0,
          likelihood: 0,
          threshold: alert,
          level: 'normal',
          kind: 'spike',
          alert: false,
          baseline,
        }
      }
      const phase = phaseOf(t)
      let novelty = seen.novelty(value, phase, n)
      const kind = kindOf(novelty)
      if (n < minSamples) novelty = 0

      const std = Math.sqrt(variance)
      const z = std > 0 ? Math.abs(value - mean) / std : 0
      let likelihood = Math.max(novelty, (QUIET_CAP * Math.min(z, 6)) / 6)
      if (sinceAlert < refractory) likelihood = Math.min(likelihood, QUIET_CAP)
      else if (likelihood >= alert) sinceAlert = -1
      sinceAlert++

      // Learn only after scoring, so there is no look-ahead.
      seen.learn(value, phase)
      n++
      if (n === 1) mean = value
      const d = value - mean
      mean += alpha * d
      variance = (1 - alpha) * (variance + alpha * d * d)

      const isAlert = likelihood >= alert
      return {
        score: likelihood,
        likelihood,
        threshold: alert,
        level: isAlert
          ? novelty === NOVELTY_LEVELS.excursion
            ? 'very-unusual'
            : 'unusual'
          : 'normal',
        kind,
        alert: isAlert,
        baseline,
      }
    },
    reset() {
      n = 0
      seen.reset()
      sinceAlert = Number.POSITIVE_INFINITY
      mean = 0
      variance = 0
    },
    saveState: () => ({ n, sinceAlert, mean, variance, seen: seen.saveState() }),
    loadState(r, s) {
      const next = {
        n: r.integer(s.n, 'state.model.n'),
        sinceAlert: r.number(s.sinceAlert, 'state.model.sinceAlert'),
        mean: r.number(s.mean, 'state.model.mean'),
        variance: r.number(s.variance, 'state.model.variance'),
      }
      seen.loadState(r, r.object(s.seen, 'state.model.seen'), 'state.model.seen')
      ;({ n, sinceAlert, mean, variance } = next)
    },
  }
}
