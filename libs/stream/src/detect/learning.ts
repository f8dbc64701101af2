/**
 * @module detect/learning
 * When a detector has seen enough to be trusted (DESIGN.md §8, issue 15). A fresh detector knows nothing:
 * every level is new to it, so whatever it flags in its first minutes is about its own ignorance, not the
 * sensor. The gate counts samples and event time since the first sample and holds the detector in
 * `learning` until both thresholds are met; meanwhile the detector learns from every sample but raises
 * nothing. The state is two numbers, a plain object that survives `JSON.stringify`, so an instance handing
 * a sensor over (issue 11) can pass it on and the new owner is not learning again.
 */

import { DetectErrorCode, StreamError } from '../errors.js'
import type { StateReader } from '../state/json-state.js'
import { checkInteger } from './levels.js'

/** How much a detector must see before it may raise anything. Both must be met. */
export interface LearningOptions {
  /** Samples to see first. Default: the detector's own (see `DEFAULT_LEARNING` in the registry). */
  readonly learnSamples?: number
  /** Event time (ms) since the first sample to span first. Default: the detector's own, often 0. */
  readonly learnMs?: number
}

/** A learning gate's state: plain data, serialisable with `JSON.stringify`. */
export interface LearningState {
  /** Samples seen. */
  readonly n: number
  /** Event time of the first sample, or `null` before it. */
  readonly firstT: number | null
  /** Latest event time seen, or `null` before the first sample. */
  readonly lastT: number | null
}

/** Counts what a detector has seen and says whether it is still learning. */
export interface LearningGate {
  /** Counts a sample at event time `t`; returns whether the detector is still learning *at* it. */
  observe(t: number): boolean
  /** Whether the detector is still learning (after the last observed sample). */
  readonly learning: boolean
  /** Samples and ms still needed (0 once learned). */
  readonly remaining: { readonly samples: number; readonly ms: number }
  snapshot(): LearningState
  restore(state: LearningState): void
  reset(): void
}

/**
 * Creates a {@link LearningGate} for `samples` samples spanning at least `ms` of event time.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_INVALID_OPTIONS` on a negative or non-integer sample count or a
 *   negative duration.
 * @example
 * const gate = createLearningGate(300, 60_000)
 * const learning = gate.observe(t) // true for the first 300 samples and the first minute
 */
export function createLearningGate(samples: number, ms: number): LearningGate {
  checkInteger('learnSamples', samples, 0)
  if (!(Number.isFinite(ms) && ms >= 0)) {
    throw new StreamError(
      DetectErrorCode.InvalidOptions,
      `Detector option learnMs must be a number of milliseconds ≥ 0, got ${String(ms)}`,
    )
  }
  let n = 0
  let firstT: number | null = null
  // The latest event time, in a typed array: a closure's `let` holding a double allocated a number on
  // every write, once per sample (issue 16).
  const latest = new Float64Array([Number.NEGATIVE_INFINITY])
  const isLearning = (): boolean =>
    n < samples || (ms > 0 && (firstT === null || latest[0]! - firstT < ms))
  return {
    observe(t) {
      if (firstT === null && Number.isFinite(t)) firstT = t
      if (Number.isFinite(t) && t > latest[0]!) latest[0] = t
      n++
      return isLearning()
    },
    get learning() {
      return isLearning()
    },
    get remaining() {
      const spanned = firstT === null ? 0 : latest[0]! - firstT
      return { samples: Math.max(0, samples - n), ms: Math.max(0, ms - spanned) }
    },
    snapshot() {
      const lastT = latest[0]!
      return { n, firstT, lastT: Number.isFinite(lastT) ? lastT : null }
    },
    restore(state) {
      n = state.n
      firstT = state.firstT
      latest[0] = state.lastT ?? Number.NEGATIVE_INFINITY
    },
    reset() {
      n = 0
      firstT = null
      latest[0] = Number.NEGATIVE_INFINITY
    },
  }
}

/** Reads and checks a {@link LearningState} from untrusted data (a handover), with `r`. */
export function readLearningState(r: StateReader, x: unknown, path: string): LearningState {
  const s = r.object(x, path)
  const time = (k: 'firstT' | 'lastT'): number | null =>
    s[k] === null ? null : r.number(s[k], `${path}.${k}`)
  return { n: r.integer(s.n, `${path}.n`), firstT: time('firstT'), lastT: time('lastT') }
}
