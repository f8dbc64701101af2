/**
 * @module errors
 * The failures of `@sluice/stream`, and every code of the package: windows, detectors, simulator. This
 * package imports nothing of ours (DESIGN.md §2), so it cannot make its errors with the contract's
 * `defineError` on `SluiceError`; `StreamError` has the same shape (`name`, a stable `code` of the form
 * `SLUICE_ERR_<AREA>_<WHAT>`, and `cause`), so callers branch on `code` the same way. Every code is listed
 * in `docs/errors.md`.
 */

/** Every error code of the windows (documented in `docs/errors.md`). */
export const StreamErrorCode = {
  /** A window spec (count, time or session) has a missing, non-numeric or out-of-range parameter. */
  InvalidWindowSpec: 'SLUICE_ERR_WINDOW_INVALID_SPEC',
  /** A window state to restore (a sensor handed over) is of another kind, spec or shape. */
  InvalidWindowState: 'SLUICE_ERR_WINDOW_INVALID_STATE',
} as const

/** Every error code of the detectors (documented in `docs/errors.md`). */
export const DetectErrorCode = {
  /** A detector option or threshold is missing, non-numeric or out of range. */
  InvalidOptions: 'SLUICE_ERR_DETECT_INVALID_OPTIONS',
  /** A detector spec names no registered detector. */
  UnknownDetector: 'SLUICE_ERR_DETECT_UNKNOWN_DETECTOR',
  /** A detector state to restore (a sensor handed over) is of another detector, options or shape. */
  InvalidState: 'SLUICE_ERR_DETECT_INVALID_STATE',
} as const

/** Every error code of the simulator (documented in `docs/errors.md`). */
export const SimErrorCode = {
  /** A device, rate, channel list or anomaly plan is invalid. */
  InvalidSpec: 'SLUICE_ERR_SIM_INVALID_SPEC',
} as const

/** One of the codes in {@link StreamErrorCode}. */
export type StreamErrorCode = (typeof StreamErrorCode)[keyof typeof StreamErrorCode]

/**
 * An error thrown by a stream algorithm, with a stable machine-readable `code`.
 *
 * @example
 * ```ts
 * try {
 *   createWindow('w', { type: 'count', size: 0, stride: 1 })
 * } catch (err) {
 *   if (err instanceof StreamError && err.code === StreamErrorCode.InvalidWindowSpec) console.error(err.message)
 * }
 * ```
 */
export class StreamError extends Error {
  override readonly name: string = 'StreamError'
  /** Stable machine-readable code, `SLUICE_ERR_<AREA>_<WHAT>`. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
