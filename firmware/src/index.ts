/**
 * @module @sluice/firmware
 * The host side of the Sluice Arduino sketch (`sluice_sensor/`): build it with plain `avr-gcc`, boot it
 * in `qemu-system-avr` with its serial port on a pty, and predict its synthetic waveform. The sketch itself
 * builds as is in the Arduino IDE / arduino-cli; see `firmware/README.md`.
 */
export {
  buildFirmware,
  firmwareCompileArgs,
  firmwareSourceDirs,
  FIRMWARE_VERSION,
  FIRMWARE_DEFAULT_RATE_HZ,
  FIRMWARE_MAX_RATE_HZ,
} from './build.js'
export type { BuildFirmwareOptions } from './build.js'

export { startEmulator, emulatorArgs, parsePtyPath } from './emulator.js'
export type { StartEmulatorOptions, RunningEmulator } from './emulator.js'

export {
  syntheticLight,
  syntheticTempTenths,
  syntheticValues,
  syntheticAnomaly,
  syntheticBaseline,
  SYNTHETIC_CYCLE,
} from './synthetic.js'
export type { SyntheticAnomalyKind, SyntheticChannel } from './synthetic.js'

export { findExecutable, requireTool, FIRMWARE_TOOLS } from './tools.js'
export type { FirmwareTool } from './tools.js'

export {
  FirmwareError,
  FirmwareErrorCode,
  ToolMissingError,
  FirmwareBuildError,
  EmulatorError,
} from './errors.js'
