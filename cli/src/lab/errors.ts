/**
 * @module lab/errors
 * The failures of `sluice lab`, each with its code (listed in docs/errors.md): what happened, why, and
 * what to do.
 */
import { defineError } from '@sluice/contract'

/** Every error code of `sluice lab`. */
export const LabErrorCode = {
  /** A program an experiment needs (socat for the serial experiment) is not installed. */
  ProgramMissing: 'SLUICE_ERR_LAB_PROGRAM_MISSING',
  /** The built services are missing: the lab runs `cli/dist/main.js`. */
  NotBuilt: 'SLUICE_ERR_LAB_NOT_BUILT',
  /** A service did not come online, or a measurement did not complete in time. */
  Timeout: 'SLUICE_ERR_LAB_TIMEOUT',
  /** A service the lab started exited before it came online. */
  ServiceExited: 'SLUICE_ERR_LAB_SERVICE_EXITED',
} as const

/** An experiment needs a program that is not installed. */
export const LabProgramMissingError = defineError(LabErrorCode.ProgramMissing, {
  name: 'LabProgramMissingError',
})
export type LabProgramMissingError = InstanceType<typeof LabProgramMissingError>

/** The lab cannot find the built services. */
export const LabNotBuiltError = defineError(LabErrorCode.NotBuilt, { name: 'LabNotBuiltError' })
export type LabNotBuiltError = InstanceType<typeof LabNotBuiltError>

/** Something the lab waited for did not happen in time. */
export const LabTimeoutError = defineError(LabErrorCode.Timeout, { name: 'LabTimeoutError' })
export type LabTimeoutError = InstanceType<typeof LabTimeoutError>

/** A service the lab started exited before it came online; the message quotes its last log lines. */
export const LabServiceExitedError = defineError(LabErrorCode.ServiceExited, {
  name: 'LabServiceExitedError',
})
export type LabServiceExitedError = InstanceType<typeof LabServiceExitedError>
