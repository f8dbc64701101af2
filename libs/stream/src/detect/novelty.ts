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
import type { AnomalyKind, Detection, Detector } from './types.js'

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

/** Likelihood of each novelty, strongest first. */
export const NOVELTY_LEVELS = Object.freeze({ excursion: 1, newValue: 0.95, newContext: 0.9 })

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

/**
 * Re-projects a visited-slice bit map from the range `[oldMin, oldMin + oldSpan]` onto
 * `[newMin, newMin + newSpan]`: each visited old slice marks the new slice that holds its centre. (Marking
 * every new slice an old one overlaps would over-mark a little more at each widening, until the map says
 * "seen" where the signal never went; the centre rule tracks exact visited-slice bookkeeping closely.)
 */
function reproject(
  mask: number,
  bins: number,
  oldMin: number,
  oldSpan: number,
  newMin: number,
  newSpan: number,
): number {
  let out = 0
  const oldWidth = oldSpan / bins
  const scale = bins / newSpan
  for (let j = 0; j < bins; j++) {
    if ((mask & (1 << j)) === 0) continue
    const centre = oldMin + (j + 0.5) * oldWidth
    const k = Math.floor((centre - newMin) * scale)
    out |= 1 << (k < 0 ? 0 : k >= bins ? bins - 1 : k)
  }
  return out
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
export function createNoveltyDetector(options: NoveltyOptions = {}): Detector {
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

  let n = 0
  let min = 0
  let max = 0
  let visited = 0
  const contexts = new Uint32Array(Math.max(phases, 1))
  let contextEvents = 0
  let sinceAlert = Number.POSITIVE_INFINITY
  let mean = 0
  let variance = 0

  const sliceOf = (value: number, slices: number): number => {
    const span = max - min
    if (span <= 0) return 0
    const s = Math.floor(((value - min) / span) * slices)
    return s < 0 ? 0 : s >= slices ? slices - 1 : s
  }

  /** Widens the seen range to include `value`, re-projecting the visited maps. */
  const widen = (value: number): void => {
    const newMin = Math.min(min, value)
    const newMax = Math.max(max, value)
    const oldSpan = max - min
    const newSpan = newMax - newMin
    if (oldSpan > 0) {
      visited = reproject(visited, bins, min, oldSpan, newMin, newSpan)
      for (let p = 0; p < contexts.length; p++) {
        contexts[p] = reproject(contexts[p]!, contextBins, min, oldSpan, newMin, newSpan)
      }
    }
    min = newMin
    max = newMax
  }

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
      let novelty = 0
      let kind: AnomalyKind = 'spike'
      const phase = phaseOf(t)
      if (n === 0) {
        min = value
        max = value
      } else {
        const span = max - min
        const margin = span * tolerance
        if (value > max + margin || value < min - margin) {
          // A flat signal so far (span 0) that moves is an excursion too.
          novelty = NOVELTY_LEVELS.excursion
          kind = 'spike'
        }
        if (value > max || value < min) widen(value)
        const slice = 1 << sliceOf(value, bins)
        if (novelty === 0 && (visited & slice) === 0 && span > 0) {
          novelty = NOVELTY_LEVELS.newValue
          kind = 'shift'
        }
        if (phases > 0 && span > 0) {
          const c = 1 << sliceOf(value, contextBins)
          if ((contexts[phase]! & c) === 0) {
            // Only once new contexts have become rare: early on, every phase of the day is new.
            if (novelty === 0 && (contextEvents + 1) / (n + 1) < maxContextRate) {
              novelty = NOVELTY_LEVELS.newContext
              kind = 'drift'
            }
            contextEvents++
          }
        }
      }
      if (n < minSamples) novelty = 0

      const std = Math.sqrt(variance)
      const z = std > 0 ? Math.abs(value - mean) / std : 0
      let likelihood = Math.max(novelty, (QUIET_CAP * Math.min(z, 6)) / 6)
      if (sinceAlert < refractory) likelihood = Math.min(likelihood, QUIET_CAP)
      else if (likelihood >= alert) sinceAlert = -1
      sinceAlert++

      // Learn only after scoring, so there is no look-ahead.
      visited |= 1 << sliceOf(value, bins)
      if (phases > 0) contexts[phase]! |= 1 << sliceOf(value, contextBins)
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
      min = 0
      max = 0
      visited = 0
      contexts.fill(0)
      contextEvents = 0
      sinceAlert = Number.POSITIVE_INFINITY
      mean = 0
      variance = 0
    },
  }
}
