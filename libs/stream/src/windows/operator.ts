/**
 * @module windows/operator
 * The interface every window operator implements, so the windowing service can drive count, time and
 * session windows alike. Operators are synchronous and allocation-light: results go to a callback instead of
 * being returned in arrays, and time only advances through the samples (or {@link WindowOperator.advance}).
 * Their state can be snapshot as JSON and restored elsewhere, for handing a sensor over (issue 13).
 */
import type { Sample } from '../sample.js'
import type { EmitAggregate } from './aggregate.js'
import type { WindowSpec } from './spec.js'

/** A window operator over one sensor's stream. Not shared between sensors: window state is per sensor. */
export interface WindowOperator {
  /** The window's name, reported in every aggregate (`window`). */
  readonly name: string
  /** The validated, frozen spec. */
  readonly spec: WindowSpec
  /** Samples dropped as too late so far (time windows and sessions; always 0 for count windows). */
  readonly lateCount: number
  /**
   * Samples dropped because their value (or, for time windows and sessions, their event time) is not a
   * finite number. They would turn every statistic of their windows into NaN; the codec should have
   * rejected them already, so a non-zero count points at a bug upstream.
   */
  readonly rejectedCount: number
  /** Feeds one sample, calling `emit` for each window it completes (or, for a late update, re-emits). */
  push(sample: Sample, emit: EmitAggregate): void
  /**
   * For an idle sensor: emits, once, what event time `t` would complete (time windows whose end is ≤ `t`,
   * a session silent since `t − gap`) without moving event time, so later samples are judged against the
   * data's own event time and a stall upstream never makes them late. What was emitted here is emitted
   * again when the data completes it, unless no sample came in since. A no-op for count windows and for
   * `t` in the past.
   */
  advance(t: number, emit: EmitAggregate): void
  /** End of stream: emits every window that holds samples not yet emitted, then forgets all state. */
  flush(emit: EmitAggregate): void
  /**
   * Everything that affects its future output (buffered samples or panes, running statistics, watermark,
   * late and rejected counts, provisional emissions), as JSON-safe plain data, so that a sensor handed to
   * another instance resumes exactly where it stopped (DESIGN.md §12, issue 13). Changes nothing.
   */
  snapshot(): unknown
  /**
   * Replaces its state with a {@link WindowOperator.snapshot} of an operator of the same name and spec,
   * taken here or on another instance (after `JSON.parse(JSON.stringify(…))`).
   *
   * @throws StreamError `SLUICE_ERR_WINDOW_INVALID_STATE` when the state is of another window name, kind
   *   or spec, another version, or malformed; the operator is then unchanged.
   */
  restore(state: unknown): void
}
