/**
 * @module detect/correlation-model
 * The learned side of the multivariate detector ({@link createMultivariateDetector}): an exponentially
 * weighted mean and covariance of a device's d channels, each channel's resolution (its smallest step), and
 * the inverse of the correlation matrix shrunk towards the identity, refreshed by Cholesky every `refresh`
 * points. It turns a point into its Mahalanobis distance D² and says which channels explain it; the
 * detector around it only scores, gates and classifies. See `detect/multivariate` for the method and its
 * sources.
 *
 * All its buffers are allocated once, so scoring and learning allocate nothing.
 */

import type { MultivariateState } from './multivariate.js'

/** The resolved numeric options of a {@link CorrelationModel}. */
export interface CorrelationModelOptions {
  readonly alpha: number
  readonly shrinkage: number
  readonly refresh: number
  readonly minRelStd: number
  readonly stepFloor: boolean
}

/** What explains one unusual point: per-channel contributions to D² and the channels most to blame. */
export interface Explanation {
  readonly contributions: Float64Array
  readonly top: number[]
}

/** The online mean, covariance and shrunk inverse correlation of d channels. */
export interface CorrelationModel {
  /** Points learned from. */
  readonly n: number
  /** D² of `values` (all finite) against what was learned; keeps z and R⁻¹z for {@link explain}. */
  distance(values: ArrayLike<number>): number
  /** Learns from `values` with weight `weight` in (0, 1]. */
  learn(values: ArrayLike<number>, weight: number): void
  /** Which channels explain the point last passed to {@link distance}: O(d log d), allocates. */
  explain(): Explanation
  /** The model's part of a {@link MultivariateState}. */
  snapshot(): Omit<MultivariateState, 'learning' | 'runs'>
  restore(state: MultivariateState): void
  reset(): void
}

/**
 * Inverts a symmetric positive definite matrix (row-major, n×n) into `out` by Cholesky (`l`, `inv`: scratch);
 * returns false when it is not positive definite.
 */
function invertSpd(
  a: Float64Array,
  n: number,
  l: Float64Array,
  inv: Float64Array,
  out: Float64Array,
): boolean {
  // a = L Lᵀ
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!
      if (i === j) {
        if (!(s > 0)) return false
        l[i * n + i] = Math.sqrt(s)
      } else {
        l[i * n + j] = s / l[j * n + j]!
      }
    }
  }
  // out = (L⁻¹)ᵀ L⁻¹: first L⁻¹ into the upper part of `out`'s rows, column by column.
  inv.fill(0)
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j]!
    for (let i = j + 1; i < n; i++) {
      let s = 0
      for (let k = j; k < i; k++) s -= l[i * n + k]! * inv[k * n + j]!
      inv[i * n + j] = s / l[i * n + i]!
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0
      for (let k = i; k < n; k++) s += inv[k * n + i]! * inv[k * n + j]!
      out[i * n + j] = s
      out[j * n + i] = s
    }
  }
  return true
}

/** Per channel, remembers the value and the smallest non-zero step taken so far. */
function trackSteps(
  values: ArrayLike<number>,
  d: number,
  last: Float64Array,
  step: Float64Array,
): void {
  for (let i = 0; i < d; i++) {
    const move = Math.abs(values[i]! - last[i]!)
    if (move > 0 && move < step[i]!) step[i] = move
    last[i] = values[i]!
  }
}

/** Moves the mean and covariance towards `values` with weight `a` (`delta`: scratch). */
function updateMoments(
  values: ArrayLike<number>,
  d: number,
  a: number,
  mean: Float64Array,
  cov: Float64Array,
  delta: Float64Array,
): void {
  for (let i = 0; i < d; i++) {
    const di = values[i]! - mean[i]!
    delta[i] = di
    mean[i] = mean[i]! + a * di
  }
  // C ← (1 − a)(C + a δδᵀ); the first point has no spread yet.
  for (let i = 0; i < d; i++) {
    const ai = a * delta[i]!
    for (let j = 0; j <= i; j++) {
      const v = (1 - a) * (cov[i * d + j]! + ai * delta[j]!)
      cov[i * d + j] = v
      cov[j * d + i] = v
    }
  }
}

/**
 * Which channels explain a point from its standardised values `z` and `pz` = R⁻¹z (`precision`: R⁻¹, or
 * `null` when channels are taken as independent): O(d log d), only for unusual points.
 */
function explainPoint(
  d: number,
  z: Float64Array,
  pz: Float64Array,
  precision: Float64Array | null,
): Explanation {
  const contributions = new Float64Array(d)
  const residual = new Float64Array(d)
  let best = 0
  for (let i = 0; i < d; i++) {
    contributions[i] = z[i]! * pz[i]!
    residual[i] = Math.abs(pz[i]!) / Math.sqrt(precision !== null ? precision[i * d + i]! : 1)
    if (residual[i]! > best) best = residual[i]!
  }
  const top: number[] = []
  for (let i = 0; i < d; i++) if (best > 0 && residual[i]! >= 0.6 * best) top.push(i)
  top.sort((a, b) => residual[b]! - residual[a]!)
  return { contributions, top: top.slice(0, 3) }
}

/** Creates an empty {@link CorrelationModel} over `d` channels. */
export function createCorrelationModel(
  d: number,
  options: CorrelationModelOptions,
): CorrelationModel {
  const { alpha, shrinkage, refresh, minRelStd, stepFloor } = options
  let n = 0
  const mean = new Float64Array(d)
  const cov = new Float64Array(d * d)
  const precision = new Float64Array(d * d) // R_λ⁻¹
  const corr = new Float64Array(d * d)
  const chol = new Float64Array(d * d)
  const lInv = new Float64Array(d * d)
  const std = new Float64Array(d)
  const z = new Float64Array(d)
  const pz = new Float64Array(d)
  const delta = new Float64Array(d)
  let sinceRefresh = Number.POSITIVE_INFINITY
  let haveInverse = false

  // Per channel: the last value and the smallest non-zero step seen (∞ before one).
  const last = new Float64Array(d).fill(Number.NaN)
  const step = new Float64Array(d).fill(Number.POSITIVE_INFINITY)
  const stdOf = (i: number): number => {
    const s = Math.sqrt(Math.max(0, cov[i * d + i]!))
    const resolution = stepFloor && Number.isFinite(step[i]!) ? step[i]! : 0
    const floor = Math.max(1e-9, minRelStd * Math.abs(mean[i]!), resolution)
    return s > floor ? s : floor
  }

  const refreshInverse = (): void => {
    for (let i = 0; i < d; i++) std[i] = stdOf(i)
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const r = i === j ? 1 : cov[i * d + j]! / (std[i]! * std[j]!)
        // Clamp rounding beyond ±1, then shrink towards the identity.
        const c = r > 1 ? 1 : r < -1 ? -1 : r
        corr[i * d + j] = i === j ? 1 : (1 - shrinkage) * c
      }
    }
    haveInverse = invertSpd(corr, d, chol, lInv, precision)
    sinceRefresh = 0
  }

  return {
    get n() {
      return n
    },
    distance(values) {
      if (sinceRefresh >= refresh) refreshInverse()
      sinceRefresh++
      for (let i = 0; i < d; i++) z[i] = (values[i]! - mean[i]!) / stdOf(i)
      let d2 = 0
      if (haveInverse) {
        for (let i = 0; i < d; i++) {
          let s = 0
          const row = i * d
          for (let j = 0; j < d; j++) s += precision[row + j]! * z[j]!
          pz[i] = s
          d2 += z[i]! * s
        }
      } else {
        // Singular even after shrinkage (λ = 0 and collinear channels): fall back to independent channels.
        for (let i = 0; i < d; i++) {
          pz[i] = z[i]!
          d2 += z[i]! * z[i]!
        }
      }
      return d2
    },
    learn(values, weight) {
      n++
      trackSteps(values, d, last, step)
      updateMoments(values, d, Math.max(1 / n, alpha) * weight, mean, cov, delta)
    },
    explain: () => explainPoint(d, z, pz, haveInverse ? precision : null),
    snapshot() {
      return {
        d,
        n,
        mean: Array.from(mean),
        cov: Array.from(cov),
        precision: haveInverse ? Array.from(precision) : null,
        sinceRefresh: Number.isFinite(sinceRefresh) ? sinceRefresh : null,
        step: Array.from(step, (v) => (Number.isFinite(v) ? v : null)),
        last: Array.from(last, (v) => (Number.isNaN(v) ? null : v)),
      }
    },
    restore(state) {
      n = state.n
      mean.set(state.mean)
      cov.set(state.cov)
      haveInverse = state.precision !== null
      if (state.precision !== null) precision.set(state.precision)
      state.step.forEach((v, i) => (step[i] = v ?? Number.POSITIVE_INFINITY))
      state.last.forEach((v, i) => (last[i] = v ?? Number.NaN))
      // Kept even without an inverse: a failed inversion is retried `refresh` points later, not at once.
      sinceRefresh = state.sinceRefresh ?? Number.POSITIVE_INFINITY
    },
    reset() {
      n = 0
      mean.fill(0)
      cov.fill(0)
      last.fill(Number.NaN)
      step.fill(Number.POSITIVE_INFINITY)
      sinceRefresh = Number.POSITIVE_INFINITY
      haveInverse = false
    },
  }
}
