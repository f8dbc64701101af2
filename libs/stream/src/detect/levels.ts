/**
 * @module detect/levels
 * The pieces every detector shares to turn a raw score into a {@link Detection}: the level thresholds
 * (`|z| > 2` unusual, `> 3` very unusual by default, DESIGN.md §8), a separate alert threshold (the score at
 * which a point counts as an anomaly worth an event, 2.5 by default), a smooth map from score to a
 * likelihood in [0, 1], and the floor that keeps a standard deviation of ≈ 0 from producing `Infinity` or
 * `NaN`. Keeping them in one place makes scores from different detectors comparable.
 */

import { DetectErrorCode, StreamError } from '../errors.js'
import type { AnomalyKind, AnomalyLevel, Detection } from './types.js'

function invalidOption(message: string): StreamError {
  return new StreamError(DetectErrorCode.InvalidOptions, message)
}

/** Score thresholds of one detector, in that detector's score units. */
export interface LevelThresholds {
  /** A score strictly above this is `unusual`. */
  readonly unusual: number
  /** A score strictly above this is `very-unusual`. */
  readonly veryUnusual: number
  /** A score strictly above this is an alert (an anomaly worth an event); see {@link isAlert}. */
  readonly alert: number
}

/** Partial thresholds as a caller gives them; missing ones take the detector's defaults. */
export interface ThresholdOptions {
  readonly unusual?: number
  readonly veryUnusual?: number
  readonly alert?: number
}

/** Options every built-in detector accepts. */
export interface CommonDetectorOptions {
  /** Level and alert thresholds; defaults {@link defaultThresholds} (CUSUM: derived from `h`). */
  readonly thresholds?: ThresholdOptions
  /**
   * Smallest standard deviation a detector divides by. A constant signal has std 0; dividing by it would
   * give `Infinity` (or `NaN` for 0/0). Default: `1e-9 · max(1, |mean|)`, so a constant signal scores 0
   * and any change of it scores very high but finite. Set it to the sensor's resolution (for example 1 for
   * a 10-bit ADC) when a one-step change of a flat signal should not alert.
   */
  readonly minStd?: number
}

/** `|z| > 2` unusual, `> 3` very unusual (DESIGN.md §8); alert above 2.5. */
export const defaultThresholds: LevelThresholds = Object.freeze({
  unusual: 2,
  veryUnusual: 3,
  alert: 2.5,
})

/**
 * Merges caller thresholds over defaults and checks them.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_INVALID_OPTIONS` when a threshold is not a positive finite number or `unusual > veryUnusual`.
 * @example
 * resolveThresholds({ alert: 3 }) // { unusual: 2, veryUnusual: 3, alert: 3 }
 */
export function resolveThresholds(
  options: ThresholdOptions | undefined,
  defaults: LevelThresholds = defaultThresholds,
): LevelThresholds {
  const resolved = {
    unusual: options?.unusual ?? defaults.unusual,
    veryUnusual: options?.veryUnusual ?? defaults.veryUnusual,
    alert: options?.alert ?? defaults.alert,
  }
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw invalidOption(
        `Detector threshold ${key} must be a positive number, got ${String(value)}`,
      )
    }
  }
  if (resolved.unusual > resolved.veryUnusual) {
    throw invalidOption(
      `Detector threshold unusual (${resolved.unusual}) must not exceed veryUnusual (${resolved.veryUnusual})`,
    )
  }
  return Object.freeze(resolved)
}

/**
 * The level of a score: strictly above `veryUnusual` is `very-unusual`, strictly above `unusual` is
 * `unusual`, anything else (including exactly 2.0 with the defaults) is `normal`.
 *
 * @example
 * levelOf(2.0, defaultThresholds) // 'normal'
 * levelOf(3.5, defaultThresholds) // 'very-unusual'
 */
export function levelOf(score: number, thresholds: LevelThresholds): AnomalyLevel {
  if (score > thresholds.veryUnusual) return 'very-unusual'
  if (score > thresholds.unusual) return 'unusual'
  return 'normal'
}

/**
 * Maps a non-negative score to a likelihood in [0, 1]: 0 at score 0, exactly 0.5 at `half` (the alert
 * threshold), rising smoothly and monotonically towards 1. It is the Hill function `s⁴ / (s⁴ + half⁴)`;
 * the exponent 4 makes it steep enough that ordinary noise (|z| ≈ 1) stays near 0.03 while 2 × the alert
 * threshold gives 0.94. `NaN` maps to 0 and `Infinity` to 1.
 *
 * @example
 * likelihoodOf(2.5, 2.5) // 0.5
 */
export function likelihoodOf(score: number, half: number): number {
  if (Number.isNaN(score) || score <= 0) return 0
  if (!Number.isFinite(score)) return 1
  const r = score / half
  const r4 = r * r * r * r
  if (!Number.isFinite(r4)) return 1
  return r4 / (r4 + 1)
}

/**
 * The standard deviation a detector may safely divide by: `std`, but never below `minStd` (when given) or
 * `1e-9 · max(1, |mean|)` (when not). Always finite and positive for finite inputs.
 */
export function effectiveStd(std: number, mean: number, minStd?: number): number {
  const floor = minStd ?? 1e-9 * Math.max(1, Math.abs(mean))
  return std > floor ? std : floor
}

/**
 * Whether a detection is an alert: its `alert` flag when the detector sets one, otherwise any level above
 * `normal` (so detectors that predate the flag still work with the debouncer).
 *
 * @example
 * if (isAlert(detector.update(t, value))) publishAnomaly()
 */
export function isAlert(detection: Detection): boolean {
  return detection.alert ?? detection.level !== 'normal'
}

/**
 * Builds a {@link Detection} from a score (level, likelihood and alert follow from the thresholds).
 * Detectors call this so every one of them fills the fields the same way.
 */
export function toDetection(
  score: number,
  thresholds: LevelThresholds,
  kind: AnomalyKind,
  mean: number,
  std: number,
  n: number,
): Detection {
  return {
    score,
    likelihood: likelihoodOf(score, thresholds.alert),
    threshold: thresholds.unusual,
    level: levelOf(score, thresholds),
    kind,
    alert: score > thresholds.alert,
    baseline: { mean, std, n },
    // Not learning: a learning gate (`createDetector`) then hands this object on as it is, uncopied.
    learning: false,
  }
}

/**
 * Classifies consecutive alerts: an alert that continues a run of at least `sustain` alerts on the same side
 * of the baseline is a `shift` (a sustained level change), a shorter run is a `spike` (an isolated large
 * deviation). Point detectors (z-score, MAD, EWMA) share it.
 */
export interface RunClassifier {
  /** Feeds one point: `alert` from its score, `side` the sign of its deviation; returns its kind. */
  classify(alert: boolean, side: number): AnomalyKind
  reset(): void
  /** The current run, `[length, side]`, for handing a sensor over (issue 13). */
  snapshot(): [number, number]
  /** Restores a {@link RunClassifier.snapshot} (the caller checks it: two numbers). */
  restore(state: readonly number[]): void
}

/**
 * Creates a {@link RunClassifier}.
 *
 * @example
 * const runs = createRunClassifier(5)
 * runs.classify(true, 1) // 'spike' (a run of 1)
 */
export function createRunClassifier(sustain: number): RunClassifier {
  let run = 0
  let runSide = 0
  return {
    classify(alert, side) {
      if (!alert) {
        run = 0
        return 'spike'
      }
      const s = Math.sign(side)
      if (run > 0 && s === runSide) run++
      else {
        run = 1
        runSide = s
      }
      return run >= sustain ? 'shift' : 'spike'
    },
    reset() {
      run = 0
      runSide = 0
    },
    snapshot: () => [run, runSide],
    restore(state) {
      run = state[0]!
      runSide = state[1]!
    },
  }
}

/** Checks an integer option, so a bad config fails when the detector is created, not later. */
export function checkInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw invalidOption(`Detector option ${name} must be an integer ≥ ${min}, got ${String(value)}`)
  }
  return value
}

/** Checks a numeric option lies in the open/closed interval (`min`, `max`]. */
export function checkNumber(name: string, value: number, min: number, max: number): number {
  if (!(Number.isFinite(value) && value > min && value <= max)) {
    throw invalidOption(`Detector option ${name} must be in (${min}, ${max}], got ${String(value)}`)
  }
  return value
}
