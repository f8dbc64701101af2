/**
 * @module detect/multivariate
 * A detector of a device's *joint* behaviour (DESIGN.md §8, issue 15): the channels of one device (one
 * serial line, one `seq`) move together — a pump's current, pressure and flow rise and fall with its load —
 * and a fault often shows as a broken relation while every channel stays inside its usual range. Per-channel
 * detectors cannot see that; the Mahalanobis distance can.
 *
 * Online, with forgetting: an exponentially weighted mean and covariance (West, "Updating mean and variance
 * estimates", CACM 1979, in its exponential form; weights 1/n until n reaches 1/`alpha`, so the start is a
 * plain average). Each point is standardised per channel, `zᵢ = (xᵢ − μᵢ)/σᵢ`, and scored against the
 * correlation matrix shrunk towards the identity, `R_λ = (1 − λ)R + λI` (Ledoit & Wolf, "A well-conditioned
 * estimator for large-dimensional covariance matrices", J. Multivariate Anal. 2004): shrinkage keeps the
 * inverse finite when two channels are (nearly) collinear or constant, and bounds how much a direction
 * never seen to vary can weigh. `D² = zᵀ R_λ⁻¹ z`.
 *
 * The score is D² mapped to a standard-normal equivalent with the Wilson–Hilferty transform of χ²_d
 * (`((D²/d)^{1/3} − 1 + 2/(9d)) / √(2/(9d))`), so one threshold means the same tail probability whatever
 * the number of channels, and the level thresholds read like the z-score detector's.
 *
 * Which channels: `D² = Σᵢ zᵢ (R_λ⁻¹z)ᵢ` splits the distance into per-channel contributions; the channels
 * named are ranked by the conditional residual `(R_λ⁻¹z)ᵢ / √(R_λ⁻¹)ᵢᵢ`, how many σ channel i is from
 * what the other channels predict for it (the regression of i on the rest), so the channel that disagrees
 * with the others is named first.
 *
 * Learning is robust: a point whose score is above `clip` is learned from with weight `clip/score`, so one
 * anomaly cannot teach the detector that it is normal, while a lasting change of regime is still absorbed
 * over a few time constants.
 *
 * Cost: O(d²) per point (the standardisation, `R_λ⁻¹z`, the covariance update); the inverse is refreshed
 * by Cholesky every `refresh` points (default d), O(d³)/d = O(d²) amortised. Memory: O(d²), two d×d
 * matrices, whatever the length of the stream. State is plain numbers ({@link MultivariateState}) that
 * survive JSON, for handing a device to another instance (issue 13).
 */

import { DetectErrorCode, StreamError } from '../errors.js'
import { createCorrelationModel } from './correlation-model.js'
import { StateReader } from '../state/json-state.js'
import { createLearningGate, readLearningState, type LearningState } from './learning.js'
import {
  checkInteger,
  checkNumber,
  createRunClassifier,
  likelihoodOf,
  levelOf,
  resolveThresholds,
  type ThresholdOptions,
} from './levels.js'
import type { Detection } from './types.js'

/** Options of {@link createMultivariateDetector}. */
export interface MultivariateOptions {
  /** Forgetting: the weight of a new point once warmed up; time constant ≈ 1/alpha points. Default 0.002. */
  readonly alpha?: number
  /** Shrinkage λ of the correlation matrix towards the identity, in [0, 1]. Default 0.01. */
  readonly shrinkage?: number
  /** Points before anything may be raised. Default max(100, 20·d). */
  readonly learnSamples?: number
  /** Event time (ms) to span before anything may be raised. Default 0. */
  readonly learnMs?: number
  /** Levels and alert on the z-equivalent score. Default unusual 3, very-unusual 6, alert 5. */
  readonly thresholds?: ThresholdOptions
  /** Points between refreshes of the inverse. Default d. */
  readonly refresh?: number
  /** Points scoring above this are learned from with weight clip/score. Default 4. */
  readonly clip?: number
  /** Consecutive alerts after which the kind is `shift`. Default 5. */
  readonly sustain?: number
  /** Smallest σ of a channel, as a share of |mean| (floor 1e-9). Default 1e-6. */
  readonly minRelStd?: number
  /**
   * Floor each channel's σ at the smallest non-zero step it has taken (its resolution), so that a channel
   * that sat on one value and then moves by one step (a quantised sensor) is one σ away, not thousands.
   * Default true.
   */
  readonly stepFloor?: boolean
}

/** The verdict on one multi-channel point. */
export interface MultivariateDetection extends Detection {
  /** Mahalanobis D² against the shrunk correlation. */
  readonly d2: number
  /**
   * Per-channel contributions zᵢ(R⁻¹z)ᵢ, which sum to `d2`; computed only for a point above `unusual`
   * (empty otherwise: nothing to explain, and the common case stays allocation-free).
   */
  readonly contributions: Float64Array
  /**
   * Channel indices, most to blame first: those within 60 % of the largest conditional residual (≤ 3);
   * only for a point above `unusual` (empty otherwise).
   */
  readonly top: readonly number[]
}

/** A multivariate detector's state: plain data. */
export interface MultivariateState {
  readonly d: number
  readonly n: number
  readonly mean: number[]
  /** Covariance, row-major d×d. */
  readonly cov: number[]
  /** The shrunk inverse correlation in use (refreshed every `refresh` points), or `null` before one. */
  readonly precision: number[] | null
  /** Points scored since the inverse was refreshed (`null`: it is due at the next point). */
  readonly sinceRefresh: number | null
  /** Per channel, the smallest non-zero step seen (`null`: none yet) and the last value. */
  readonly step: (number | null)[]
  readonly last: (number | null)[]
  readonly learning: LearningState
  /** The current run of alerts, `[length, side]` (it decides `spike` or `shift`). */
  readonly runs: readonly number[]
}

/** An online detector over the d channels of one device. */
export interface MultivariateDetector {
  readonly name: 'multivariate'
  readonly channels: number
  readonly learning: boolean
  /** Scores one point (one value per channel) against what came before, then learns from it. */
  update(t: number, values: ArrayLike<number>): MultivariateDetection
  snapshot(): MultivariateState
  /**
   * Restores a {@link MultivariateDetector.snapshot} (after `JSON.parse(JSON.stringify(…))`), checked
   * field by field: it then resumes exactly where the snapshot was taken.
   *
   * @throws StreamError `SLUICE_ERR_DETECT_INVALID_STATE` on a state of another number of channels or a
   *   malformed one; the detector is then unchanged.
   */
  restore(state: MultivariateState): void
  reset(): void
}

const NOTHING = Object.freeze({ contributions: new Float64Array(0), top: [] as number[] })

/** Default thresholds of the z-equivalent score (5 ≈ a tail probability of 3·10⁻⁷ under Gaussian noise). */
export const MULTIVARIATE_THRESHOLDS = Object.freeze({ unusual: 3, veryUnusual: 6, alert: 5 })

/** The standard-normal equivalent of a χ²_d value (Wilson & Hilferty, PNAS 1931). */
export function chiSquareToZ(x: number, d: number): number {
  if (!(x > 0)) return Number.NEGATIVE_INFINITY
  const v = 2 / (9 * d)
  return (Math.cbrt(x / d) - (1 - v)) / Math.sqrt(v)
}

/**
 * Checks a {@link MultivariateState} from untrusted data (a handover) against a detector of `d` channels.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_INVALID_STATE` naming the first field that does not fit.
 */
function readMultivariateState(d: number, state: unknown): MultivariateState {
  const r = new StateReader(DetectErrorCode.InvalidState, `multivariate detector of ${d} channels`)
  const s = r.object(state, 'state')
  r.expect(s.d, 'state.d', d)
  const orNull = (x: unknown, path: string): number[] | null =>
    x === null ? null : r.numbers(x, path)
  const nullable = (x: unknown, path: string): (number | null)[] =>
    r.array(x, path, d).map((v, i) => (v === null ? null : r.number(v, `${path}[${i}]`)))
  const precision = orNull(s.precision, 'state.precision')
  if (precision !== null && precision.length !== d * d) r.fail('state.precision', 'is not d×d')
  return {
    d,
    n: r.integer(s.n, 'state.n'),
    mean: r.numbers(s.mean, 'state.mean', d),
    cov: r.numbers(s.cov, 'state.cov', d * d),
    precision,
    sinceRefresh: s.sinceRefresh === null ? null : r.integer(s.sinceRefresh, 'state.sinceRefresh'),
    step: nullable(s.step, 'state.step'),
    last: nullable(s.last, 'state.last'),
    learning: readLearningState(r, s.learning, 'state.learning'),
    runs: r.numbers(s.runs, 'state.runs', 2),
  }
}

/**
 * Creates a multivariate detector over `d` ≥ 2 channels.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_INVALID_OPTIONS` on a bad option.
 * @example
 * const pump = createMultivariateDetector(3)
 * const r = pump.update(t, [current, pressure, flow])
 * if (r.alert) console.log('relation broken, blame channel', r.top[0], 'score', r.score)
 */
export function createMultivariateDetector(
  d: number,
  options: MultivariateOptions = {},
): MultivariateDetector {
  checkInteger('channels', d, 2)
  const alpha = checkNumber('alpha', options.alpha ?? 0.002, 0, 1)
  const shrinkage = options.shrinkage ?? 0.01
  if (!(shrinkage >= 0 && shrinkage <= 1)) {
    throw new StreamError(
      DetectErrorCode.InvalidOptions,
      `Detector option shrinkage must be in [0, 1], got ${String(shrinkage)}`,
    )
  }
  const refresh = checkInteger('refresh', options.refresh ?? d, 1)
  const clip = checkNumber('clip', options.clip ?? 4, 0, Number.MAX_VALUE)
  const minRelStd = checkNumber('minRelStd', options.minRelStd ?? 1e-6, 0, 1)
  const stepFloor = options.stepFloor ?? true
  const thresholds = resolveThresholds(options.thresholds, MULTIVARIATE_THRESHOLDS)
  const gate = createLearningGate(
    options.learnSamples ?? Math.max(100, 20 * d),
    options.learnMs ?? 0,
  )
  const runs = createRunClassifier(checkInteger('sustain', options.sustain ?? 5, 1))

  const model = createCorrelationModel(d, { alpha, shrinkage, refresh, minRelStd, stepFloor })

  const quiet = (learning: boolean): MultivariateDetection => ({
    score: 0,
    likelihood: 0,
    threshold: thresholds.unusual,
    level: 'normal',
    kind: 'spike',
    alert: false,
    learning,
    baseline: { mean: d, std: Math.sqrt(2 * d), n: model.n },
    d2: 0,
    contributions: NOTHING.contributions,
    top: NOTHING.top,
  })

  return {
    name: 'multivariate',
    channels: d,
    get learning() {
      return gate.learning
    },
    update(t, values) {
      for (let i = 0; i < d; i++) if (!Number.isFinite(values[i])) return quiet(gate.learning)
      if (model.n < 2) {
        model.learn(values, 1)
        return quiet(gate.observe(t))
      }
      const d2 = model.distance(values)
      const score = Math.max(0, chiSquareToZ(d2, d))
      const learning = gate.observe(t)
      model.learn(values, score > clip ? clip / score : 1)

      const alert = !learning && score > thresholds.alert
      const explained = score > thresholds.unusual ? model.explain() : NOTHING
      const kind = runs.classify(alert, 1)
      return {
        score,
        likelihood: learning ? 0 : likelihoodOf(score, thresholds.alert),
        threshold: thresholds.unusual,
        level: learning ? 'normal' : levelOf(score, thresholds),
        kind,
        alert,
        learning,
        baseline: { mean: d, std: Math.sqrt(2 * d), n: model.n },
        d2,
        contributions: explained.contributions,
        top: explained.top,
      }
    },
    snapshot() {
      return { ...model.snapshot(), learning: gate.snapshot(), runs: runs.snapshot() }
    },
    restore(state) {
      const checked = readMultivariateState(d, state)
      model.restore(checked)
      gate.restore(checked.learning)
      runs.restore(checked.runs)
    },
    reset() {
      model.reset()
      gate.reset()
      runs.reset()
    },
  }
}
