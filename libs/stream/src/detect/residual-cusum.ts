/**
 * @module detect/residual-cusum
 * The two-sided CUSUM (Page 1954; Montgomery, "Introduction to Statistical Quality Control", §9.1) that the
 * residual tests share: the seasonal one (`detect/seasonal-residual`, the residual after the signal's learned
 * cycle) and the level one (`detect/level-residual`, the residual around a slowly learned level). Each test
 * predicts a value; this module watches what is left.
 *
 * - Residuals enter the sums clipped to ±`clip` σ, so a lone spike (the z-score's job) never alarms here; a
 *   shift of ≥ `clip` σ alarms after ⌈h / (clip − k)⌉ samples (4 with the defaults), a ramp of slope g σ per
 *   sample after about √(2h/g) samples.
 * - An alarm re-bases the level on the mean residual since the sum left 0, then on the next 20 residuals
 *   (their mean, or the end of the line through them while they still ramp), and an alarm within
 *   `driftWindow` samples of the previous one on the same side is a `drift`.
 * - σ is the residual's mean absolute value × √(π/2), learned from residuals inside the clip only.
 */
import { checkInteger, checkNumber } from './levels.js'
import type { StateObject, StateReader } from '../state/json-state.js'
import type { AnomalyKind } from './types.js'

/** The CUSUM's options, shared by both residual tests. */
export interface CusumOptions {
  /** CUSUM allowance, in residual σ. Default 1. */
  readonly k?: number
  /** CUSUM decision interval, in residual σ. Default 12. */
  readonly h?: number
  /** Residuals enter the sums clipped to ± this many σ. Default 4. */
  readonly clip?: number
  /** Samples after an alarm within which another on the same side is a `drift`. Default 200. */
  readonly driftWindow?: number
}

/** The checked CUSUM options. */
export interface CusumParams {
  readonly k: number
  readonly h: number
  readonly clip: number
  readonly driftWindow: number
}

/** What a residual test says about one sample. */
export interface ResidualVerdict {
  /** Whether a CUSUM sum crossed `h` on this sample. */
  readonly alarm: boolean
  /** The larger sum over `h` (≥ 1 on an alarm); 0 while the test is off. */
  readonly ratio: number
  readonly kind: AnomalyKind
}

/** A residual test of one sensor: a prediction of each value, and the CUSUM on what it misses. */
export interface ResidualTest {
  /** Scores `value` against the prediction, then learns it. */
  update(value: number): ResidualVerdict
  reset(): void
  saveState(): Record<string, unknown>
  loadState(r: StateReader, s: StateObject, path: string): void
}

/** The verdict of a sample the test says nothing about. */
export const SILENT: ResidualVerdict = { alarm: false, ratio: 0, kind: 'shift' }

/** Samples after an alarm whose mean residual re-bases the level. */
export const SETTLE = 20

/** The checked CUSUM options, with their defaults. */
export function cusumParams(options: CusumOptions): CusumParams {
  return {
    k: checkNumber('k', options.k ?? 1, 0, Infinity),
    h: checkNumber('h', options.h ?? 12, 0, Infinity),
    clip: checkNumber('clip', options.clip ?? 4, 0, Infinity),
    driftWindow: checkInteger('driftWindow', options.driftWindow ?? 200, 0),
  }
}

/**
 * The CUSUM's state before the first sample. n: samples seen; level: what the prediction is offset by;
 * scale: the residual's σ (0: not yet known); up/down: the sums, with the samples and residual sum since each
 * left 0; settle: samples left of the re-basing after an alarm.
 */
function cusumFields() {
  return {
    n: 0,
    level: 0,
    scale: 0,
    up: 0,
    down: 0,
    upN: 0,
    downN: 0,
    upSum: 0,
    downSum: 0,
    settle: 0,
    settleSum: 0,
    settleMoment: 0,
    lastAlarmAt: -Infinity,
    lastAlarmSide: 0,
  }
}

/** The CUSUM's state; a residual test's own state extends it. */
export type CusumState = ReturnType<typeof cusumFields>

/**
 * A residual test's state before its first sample: the CUSUM's fields, then the test's `own`. Built by
 * adding the fields to one object, not by an object spread, whose copy made every field access of the
 * state slow (the seasonal test took twice the time per sample, `bench/anomaly/seasonal.ts`).
 */
export function freshCusum<Own extends Record<string, number>>(own: Own): CusumState & Own {
  return Object.assign(cusumFields(), own)
}

/** Learns the residual σ from one residual inside the clip; the tests call it on samples without an alarm. */
export function learnScale(s: CusumState, r: number, sigma: number, clip: number): void {
  if (Math.abs(r) < clip * sigma) s.scale += 0.005 * (Math.abs(r) * 1.2533 - s.scale)
}

/** While the test may not speak: the sums stay at 0. */
export function quietStep(s: CusumState): ResidualVerdict {
  s.up = s.down = s.upN = s.downN = s.upSum = s.downSum = 0
  return SILENT
}

/** One CUSUM step on residual `r`; an alarm re-bases the level. */
export function cusumStep(
  s: CusumState,
  r: number,
  sigma: number,
  p: CusumParams,
): ResidualVerdict {
  const { k, h, clip, driftWindow } = p
  const u = Math.max(-clip, Math.min(clip, r / sigma))
  s.up = Math.max(0, s.up + u - k)
  s.down = Math.max(0, s.down - u - k)
  s.upN = s.up > 0 ? s.upN + 1 : 0
  s.upSum = s.up > 0 ? s.upSum + r : 0
  s.downN = s.down > 0 ? s.downN + 1 : 0
  s.downSum = s.down > 0 ? s.downSum + r : 0
  const ratio = Math.max(s.up, s.down) / h
  if (ratio <= 1) return { alarm: false, ratio, kind: 'shift' }
  const side = s.up >= s.down ? 1 : -1
  s.level += side > 0 ? s.upSum / s.upN : s.downSum / s.downN
  s.settle = SETTLE
  s.settleSum = 0
  s.settleMoment = 0
  const kind = side === s.lastAlarmSide && s.n - s.lastAlarmAt <= driftWindow ? 'drift' : 'shift'
  s.lastAlarmAt = s.n
  s.lastAlarmSide = side
  s.up = s.down = s.upN = s.downN = s.upSum = s.downSum = 0
  return { alarm: true, ratio, kind }
}

/**
 * After an alarm the level is measured again on the next SETTLE residuals: their mean, or, when their slope
 * is significant (t > 3), the line through them taken at its end, so a drift still ramping is not left
 * behind by half the window (and alarmed on again for it).
 */
export function settleStep(s: CusumState, r: number, sigma: number): void {
  const i = SETTLE - s.settle
  s.settleSum += r
  s.settleMoment += (i - (SETTLE - 1) / 2) * r
  if (--s.settle > 0) return
  const spread = (SETTLE * (SETTLE * SETTLE - 1)) / 12 // Σ (i − ī)²
  const slope = s.settleMoment / spread
  const ramping = Math.abs(slope) > (3 * sigma) / Math.sqrt(spread)
  s.level += s.settleSum / SETTLE + (ramping ? (slope * (SETTLE - 1)) / 2 : 0)
}

/** Reads a saved state into a fresh one of the same shape, every field a number. */
export function loadNumbers<S extends Record<string, number>>(
  fresh: S,
  r: StateReader,
  state: StateObject,
  path: string,
): S {
  for (const key of Object.keys(fresh) as (keyof S & string)[]) {
    ;(fresh as Record<string, number>)[key] = r.number(state[key], `${path}.${key}`)
  }
  return fresh
}
