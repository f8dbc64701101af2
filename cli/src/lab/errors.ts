/**
 * @module lab/errors
 * The failures of `sluice lab`, each with its code (listed in docs/errors.md): what happened, why, and
 * what to do.
 */
import { SluiceError } from '@sluice/contract'

/** Every error code of `sluice lab`. */
export const LabErrorCode = {
  /** A program an experiment needs (socat for the serial experiment) is not installed. */
  ProgramMissing: 'SLUICE_ERR_LAB_PROGRAM_MISSING',
  /** The built services are missing: the lab runs `cli/dist/main.js`. */
  NotBuilt: 'SLUICE_ERR_LAB_NOT_BUILT',
  /** A service did not come online, or a measurement did not complete in time. */
  Timeout: 'SLUICE_ERR_LAB_TIMEOUT',
} as const

/** An experiment needs a program that is not installed. */
export class LabProgramMissingError extends SluiceError {
  override readonly name = 'LabProgramMissingError'
  constructor(message: string) {
    super(LabErrorCode.ProgramMissing, message)
  }
}

/** The lab cannot find the built services. */
export class LabNotBuiltError extends SluiceError {
  override readonly name = 'LabNotBuiltError'
  constructor(message: string) {
    super(LabErrorCode.NotBuilt, message)
  }
}

/** Something the lab waited for did not happen in time. */
export class LabTimeoutError extends SluiceError {
  override readonly name = 'LabTimeoutError'
  constructor(message: string) {
    super(LabErrorCode.Timeout, message)
  }
}
