/**
 * @module windows/window-state
 * The envelope of a window operator's handover state (issue 13): a version, the window's name and its spec,
 * around the operator's own fields. Restoring checks the envelope first, so a state from a window of another
 * name, kind or spec (instances configured differently) is refused with `SLUICE_ERR_WINDOW_INVALID_STATE`
 * instead of silently producing windows of the wrong shape.
 */
import { StreamErrorCode } from '../errors.js'
import { decodeState, encodeState, StateReader, type StateObject } from '../state/json-state.js'
import type { WindowSpec } from './spec.js'

/** Version of the window state format; bump it when a field changes meaning. */
export const WINDOW_STATE_VERSION = 1

/** Wraps an operator's raw fields into its JSON-safe state. */
export function encodeWindowState(
  name: string,
  spec: WindowSpec,
  fields: Readonly<Record<string, unknown>>,
): unknown {
  return encodeState({ v: WINDOW_STATE_VERSION, window: name, spec: { ...spec }, ...fields })
}

/**
 * Decodes a state and checks its envelope against the operator's name and spec; returns a reader and the
 * decoded state, whose own fields the operator then reads.
 */
export function decodeWindowState(
  name: string,
  spec: WindowSpec,
  state: unknown,
): { readonly r: StateReader; readonly s: StateObject } {
  const r = new StateReader(
    StreamErrorCode.InvalidWindowState,
    `window "${name}" (${JSON.stringify(spec)})`,
  )
  const s = r.object(decodeState(state), 'state')
  r.expect(s.v, 'state.v', WINDOW_STATE_VERSION)
  r.expect(s.window, 'state.window', name)
  const got = r.object(s.spec, 'state.spec')
  for (const [k, v] of Object.entries(spec))
    r.expect(got[k], `state.spec.${k}`, v as string | number)
  return { r, s }
}
