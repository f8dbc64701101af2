/**
 * @module @sluice/firmware/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/firmware`.
 */
export * from './index.js'
export {
  firmwareCompileArgs,
  firmwareSourceDirs,
  FIRMWARE_VERSION,
  FIRMWARE_MAX_RATE_HZ,
} from './build.js'
export type { BuildFirmwareOptions } from './build.js'
export { emulatorArgs, parsePtyPath } from './emulator.js'
export type { StartEmulatorOptions } from './emulator.js'
export {
  syntheticLight,
  syntheticTempTenths,
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
