/**
 * @module @sluice/windowing
 * The windowing service: raw samples in, window aggregates out (DESIGN.md §7).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { WindowingConfigSchema } from './config.js'
import { createWindowingService } from './service.js'

export { DEFAULT_WINDOWS, WindowingConfigSchema, WindowSpecSchema } from './config.js'
export type { WindowingConfig } from './config.js'
export { createWindowingService } from './service.js'
export { createSensorWindows } from './sensor-windows.js'
export type { SensorWindows } from './sensor-windows.js'

/** The windowing service, as `runService` and `sluice window` run it. */
export const windowingService: ServiceDefinition<typeof WindowingConfigSchema> = {
  name: 'windowing',
  version: '0.1.0',
  configSchema: WindowingConfigSchema,
  create: createWindowingService,
}
