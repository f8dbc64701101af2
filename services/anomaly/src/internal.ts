/**
 * @module @sluice/anomaly/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/anomaly`.
 */
export * from './index.js'
export { AnomalyConfigSchema, DEFAULT_DETECTOR, DetectorConfigSchema } from './config.js'
export type { AnomalyConfig } from './config.js'
export { createAnomalyService } from './service.js'
export { createSensorDetectors } from './sensor-detectors.js'
export type { LearningDefaults, SensorDetectors, SensorStates } from './sensor-detectors.js'
export { createDeviceDetectors } from './device-detectors.js'
export type { DeviceDetectorOptions, DeviceDetectors } from './device-detectors.js'
export { toAnomalyEvent } from './episode-event.js'
export type { DetectorSet, DetectorSetConfig } from './detector-set.js'
