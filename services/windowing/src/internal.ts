/**
 * @module @sluice/windowing/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/windowing`.
 */
export * from './index.js'
export { DEFAULT_WINDOWS, WindowingConfigSchema, WindowSpecSchema } from './config.js'
export type { WindowingConfig } from './config.js'
export { createWindowingService } from './service.js'
export { createSensorWindows } from './sensor-windows.js'
export type { SensorWindows } from './sensor-windows.js'
