/**
 * @module errors
 * The failures of `@sluice/firmware`'s host-side harness: a missing toolchain or emulator, a failed
 * build, an emulator that did not come up. The firmware package imports nothing of ours (DESIGN.md §2), so,
 * like `@sluice/stream`, it cannot extend the contract's `SluiceError`; `FirmwareError` has the same shape
 * (`name`, a stable `code` of the form `SLUICE_ERR_<AREA>_<WHAT>`, and `cause`). Every code is listed in
 * `docs/errors.md`.
 */

/** Every error code of `@sluice/firmware` (documented in `docs/errors.md`). */
export const FirmwareErrorCode = {
  /** `avr-gcc` or `qemu-system-avr` is not installed (or not on `PATH`). */
  ToolMissing: 'SLUICE_ERR_FIRMWARE_TOOL_MISSING',
  /** `avr-gcc` ran and failed, or a build option is invalid. */
  BuildFailed: 'SLUICE_ERR_FIRMWARE_BUILD_FAILED',
  /** `qemu-system-avr` exited or did not report its serial pty in time. */
  EmulatorFailed: 'SLUICE_ERR_FIRMWARE_EMULATOR_FAILED',
} as const

/** One of the codes in {@link FirmwareErrorCode}. */
export type FirmwareErrorCode = (typeof FirmwareErrorCode)[keyof typeof FirmwareErrorCode]

/**
 * An error of the firmware harness, with a stable machine-readable `code`.
 *
 * @example
 * ```ts
 * try {
 *   await buildFirmware({ synthetic: true })
 * } catch (err) {
 *   if (err instanceof FirmwareError && err.code === FirmwareErrorCode.ToolMissing) console.error(err.message)
 * }
 * ```
 */
export class FirmwareError extends Error {
  override readonly name: string = 'FirmwareError'
  /** Stable machine-readable code, `SLUICE_ERR_FIRMWARE_<WHAT>`. */
  readonly code: FirmwareErrorCode

  constructor(code: FirmwareErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** A program the harness needs is not installed. The message names the Debian package to install. */
export class ToolMissingError extends FirmwareError {
  override readonly name = 'ToolMissingError'
  /** The missing program, e.g. `avr-gcc`. */
  readonly tool: string

  constructor(tool: string, message: string) {
    super(FirmwareErrorCode.ToolMissing, message)
    this.tool = tool
  }
}

/** `avr-gcc` failed; `output` holds what it printed. */
export class FirmwareBuildError extends FirmwareError {
  override readonly name = 'FirmwareBuildError'
  /** The compiler's combined output (empty when an option was rejected before compiling). */
  readonly output: string

  constructor(message: string, output = '', options?: { cause?: unknown }) {
    super(FirmwareErrorCode.BuildFailed, message, options)
    this.output = output
  }
}

/** `qemu-system-avr` exited early or never printed the pty of its serial port. */
export class EmulatorError extends FirmwareError {
  override readonly name = 'EmulatorError'
  /** What QEMU printed before it failed, for the log. */
  readonly output: string

  constructor(message: string, output = '', options?: { cause?: unknown }) {
    super(FirmwareErrorCode.EmulatorFailed, message, options)
    this.output = output
  }
}
