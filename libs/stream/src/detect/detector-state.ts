/**
 * @module detect/detector-state
 * The handover state of a detector built by `createDetector` (DESIGN.md §12, issue 13): its model and its
 * learning gate in one JSON-safe envelope, with a version and the spec it was built from. Restoring checks
 * the envelope first, so a state of another detector or other options (instances configured differently)
 * is refused with `SLUICE_ERR_DETECT_INVALID_STATE`, and a sensor that had finished learning is not
 * learning again on its new owner.
 */
import { DetectErrorCode } from '../errors.js'
import { decodeState, encodeState, StateReader } from '../state/json-state.js'
import { readLearningState, type LearningGate } from './learning.js'
import type { SerialisableDetector } from './types.js'

/** Version of the detector state format; bump it when a field changes meaning. */
export const DETECTOR_STATE_VERSION = 1

/** JSON with object keys sorted, so two equal specs compare equal whatever their key order. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`
  if (x !== null && typeof x === 'object') {
    const entries = Object.entries(x).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(x)
}

/** The JSON-safe state of a gated detector built from `spec`. */
export function snapshotDetector(
  spec: object,
  model: SerialisableDetector,
  gate: LearningGate,
): unknown {
  return encodeState({
    v: DETECTOR_STATE_VERSION,
    detector: model.name,
    spec: canonicalJson(spec),
    model: model.saveState(),
    gate: gate.snapshot(),
  })
}

/**
 * Restores {@link snapshotDetector}'s output into a detector built from the same spec; throws a
 * `StreamError` `SLUICE_ERR_DETECT_INVALID_STATE` before it changes anything when the state does not fit.
 */
export function restoreDetector(
  spec: object,
  model: SerialisableDetector,
  gate: LearningGate,
  state: unknown,
): void {
  const r = new StateReader(DetectErrorCode.InvalidState, `detector ${model.name}`)
  const s = r.object(decodeState(state), 'state')
  r.expect(s.v, 'state.v', DETECTOR_STATE_VERSION)
  r.expect(s.detector, 'state.detector', model.name)
  r.expect(s.spec, 'state.spec', canonicalJson(spec))
  const learning = readLearningState(r, s.gate, 'state.gate')
  model.loadState(r, r.object(s.model, 'state.model'))
  gate.restore(learning)
}
