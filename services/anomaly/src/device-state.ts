/**
 * @module device-state
 * The envelope of a device's handover state (DESIGN.md §12, issue 13), shared by the per-sensor and the
 * per-device detectors: a version, the parts, and one error, `SLUICE_ERR_DETECT_INVALID_STATE`, for a state
 * that does not fit, whichever part it is in. The anomaly service assigns work per device, so both hand a
 * device over whole.
 */
import { DetectErrorCode, StreamError } from '@sluice/stream'

/** Version of a device's handover state; bump it when a field changes meaning. */
export const DEVICE_STATE_VERSION = 1

/** The error for a device state that does not fit. */
export function invalidDeviceState(device: string, problem: string, cause?: unknown): StreamError {
  return new StreamError(
    DetectErrorCode.InvalidState,
    `Cannot take over the detectors of device ${device}: ${problem}. The instance that handed it over ` +
      `probably has another detector config or version; give every instance of the group the same ` +
      `config (the device starts fresh, and learns again, here meanwhile).`,
    { cause },
  )
}

/** The fields of a device state's envelope, checked: its version and one entry per part. */
export function deviceStateParts(
  device: string,
  state: unknown,
  part: string,
): Readonly<Record<string, unknown>> {
  if (state === null || typeof state !== 'object') {
    throw invalidDeviceState(device, 'it is not an object')
  }
  const { v, [part]: parts } = state as Record<string, unknown>
  if (v !== DEVICE_STATE_VERSION)
    throw invalidDeviceState(device, `version ${String(v)} is unknown`)
  if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) {
    throw invalidDeviceState(device, `it has no ${part}`)
  }
  return parts as Record<string, unknown>
}

/** Runs a restore, turning its failure into {@link invalidDeviceState} for the device. */
export function restoring<T>(device: string, what: string, restore: () => T): T {
  try {
    return restore()
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw invalidDeviceState(device, `${what}: ${message}`, err)
  }
}
