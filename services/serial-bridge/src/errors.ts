/**
 * @module errors
 * Every failure of the serial bridge, each with a stable code (`SLUICE_ERR_BRIDGE_…`, listed in
 * `docs/errors.md`), on the shared `SluiceError` base. Most serial trouble (a missing port, a vanished
 * device, garbled lines) is *not* thrown: the bridge logs it clearly and keeps retrying. These errors are
 * for what the bridge cannot recover from by itself.
 */
import { defineError } from '@sluice/contract'

/** Every error code of the serial bridge. */
export const BridgeErrorCode = {
  /** Listing serial ports failed (typically: `udevadm` is missing, as in most containers). */
  PortList: 'SLUICE_ERR_BRIDGE_PORT_LIST',
  /** A replay CSV file cannot be read or holds no usable rows. */
  ReplayFile: 'SLUICE_ERR_BRIDGE_REPLAY_FILE',
} as const

/** One of the codes in {@link BridgeErrorCode}. */
export type BridgeErrorCode = (typeof BridgeErrorCode)[keyof typeof BridgeErrorCode]

/** Listing serial ports failed; the message says why and what to do instead. */
export const PortListError = defineError(BridgeErrorCode.PortList, { name: 'PortListError' })
export type PortListError = InstanceType<typeof PortListError>

/** A replay file (`file`) cannot be used. */
export const ReplayFileError = defineError(BridgeErrorCode.ReplayFile, {
  name: 'ReplayFileError',
  build: (file: string, message: string, options?: ErrorOptions) => ({
    message,
    fields: { file },
    options,
  }),
})
export type ReplayFileError = InstanceType<typeof ReplayFileError>
