/**
 * @module detect/types
 * The shape every online anomaly detector shares (DESIGN.md §8), so the anomaly service, `sluice replay`
 * and the NAB scorer can swap detectors by name. A detector scores each point *before* learning from it,
 * so there is never any look-ahead.
 */

import type { StateObject, StateReader } from '../state/json-state.js'

export type AnomalyLevel = 'normal' | 'unusual' | 'very-unusual'
export type AnomalyKind = 'spike' | 'shift' | 'drift'

/** What a detector learned so far, reported with every event. */
export interface Baseline {
  readonly mean: number
  readonly std: number
  readonly n: number
}

/** The verdict on one point. */
export interface Detection {
  /** Detector-specific score (for z-score style detectors, |z|). */
  readonly score: number
  /** Anomaly likelihood in [0, 1], comparable across detectors (NAB's `anomaly_score`). */
  readonly likelihood: number
  /** The score at which `unusual` starts. */
  readonly threshold: number
  readonly level: AnomalyLevel
  readonly kind: AnomalyKind
  readonly baseline: Baseline
  /**
   * Whether the score is above the detector's alert threshold (by default 2.5 for z-like scores, between
   * `unusual` and `very-unusual`). Optional so detectors that do not set it stay valid; `isAlert()` then
   * treats any level above `normal` as an alert.
   */
  readonly alert?: boolean
  /**
   * True while the detector is still learning (see `detect/learning`): the point was learned from but
   * nothing is raised, whatever its score. Detectors built by `createDetector` always set it.
   */
  readonly learning?: boolean
}

/**
 * A detector whose model can be handed to another instance with its sensor (issue 13). Every factory of
 * the registry returns one; `createDetector` wraps it, with its learning gate, into a JSON-safe
 * `snapshot()`/`restore()`.
 */
export interface SerialisableDetector extends Detector {
  /** The model's whole state as plain data; numbers may be non-finite (the registry encodes them). */
  saveState(): Record<string, unknown>
  /**
   * Restores a decoded {@link SerialisableDetector.saveState} of a detector with the same options,
   * checking each field with `r`; throws before it changes anything when one does not fit.
   */
  loadState(r: StateReader, state: StateObject): void
  /**
   * Optional: scores and learns `value` exactly as {@link Detector.update} does, without building the
   * {@link Detection}; returns `isAlert` of it. {@link SerialisableDetector.lastDetection} then builds it.
   * A detector's own fast path for a caller that needs the whole detection only on an alert (issue 16).
   */
  observe?(t: number, value: number): boolean
  /** What {@link Detector.update} would have returned for the last {@link SerialisableDetector.observe}. */
  lastDetection?(): Detection
}

/** An online detector for one sensor: bounded memory, O(1) or O(log n) per point. */
export interface Detector {
  /** Registry name, e.g. `zscore`. */
  readonly name: string
  /** Scores `value` at event time `t` against what came before, then learns from it. */
  update(t: number, value: number): Detection
  /** Forgets everything learned. */
  reset(): void
  /** Whether it is still learning (set by `createDetector`, which gates every detector). */
  readonly learning?: boolean
}
