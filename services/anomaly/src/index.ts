/**
 * @module @sluice/anomaly
 * The anomaly service: raw samples in, anomaly episode events out (DESIGN.md §8).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { AnomalyConfigSchema } from './config.js'
import { createAnomalyService } from './service.js'

export { AnomalyConfigSchema, DEFAULT_DETECTOR, DetectorConfigSchema } from './config.js'
export type { AnomalyConfig } from './config.js'
export { createAnomalyService } from './service.js'
export { createSensorDetectors } from './sensor-detectors.js'
export type { LearningDefaults, SensorDetectors, SensorStates } from './sensor-detectors.js'
export { createDeviceDetectors } from './device-detectors.js'
export type { DeviceDetectorOptions, DeviceDetectors } from './device-detectors.js'
export { toAnomalyEvent } from './episode-event.js'

/** The anomaly service, as `runService` and `sluice anomaly` run it. */
export const anomalyService: ServiceDefinition<typeof AnomalyConfigSchema> = {
  name: 'anomaly',
  version: '0.1.0',
  configSchema: AnomalyConfigSchema,
  create: createAnomalyService,
}
