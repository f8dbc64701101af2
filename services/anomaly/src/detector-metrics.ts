/**
 * @module detector-metrics
 * The anomaly service's detector states in its metrics (issue 15): a `detectors` entry next to its hops,
 * with how many sensors and devices are learning, normal or in an episode, so a dashboard or `sluice up`
 * shows "learning" rather than "ok" while detectors are still silent by design, and the keys of the sensors
 * still learning, so the dashboard's sensor list can say which. It is not a queue, so its
 * queue figures are 0; `in` counts sensors and `out` episodes started.
 */
import type { DropReason, HopMetrics } from '@sluice/contract'
import type { MetricsSource } from '@sluice/mesh'
import type { DeviceDetectors } from './device-detectors.js'
import type { SensorDetectors } from './sensor-detectors.js'

/** Most learning sensors named in one metrics message (the contract's `maxItems`). */
export const MAX_LEARNING_LISTED = 1000

/**
 * A metrics source for the detectors.
 *
 * @example
 * ctx.addMetricsSource(createDetectorMetrics(sensorDetectors, deviceDetectors))
 */
export function createDetectorMetrics(
  sensors: SensorDetectors,
  devices: DeviceDetectors | undefined,
): MetricsSource {
  return {
    name: 'detectors',
    metrics(): HopMetrics {
      const s = sensors.states()
      const d = devices?.states() ?? { learning: 0, normal: 0, anomalous: 0 }
      const dropped: Partial<Record<DropReason, number>> =
        devices === undefined ? {} : { 'join-incomplete': devices.incomplete }
      return {
        direction: 'in',
        qos: 1,
        policy: 'drop-oldest',
        in: sensors.sensors,
        out: sensors.episodes + (devices?.episodes ?? 0),
        dropped,
        rejected: 0,
        queue: { length: 0, capacity: 0 },
        state: 'ok',
        detectors: {
          sensors: sensors.sensors,
          learning: s.learning,
          normal: s.normal,
          anomalous: s.anomalous,
          learningSensors: sensors.learningKeys(MAX_LEARNING_LISTED),
          devices: devices?.devices ?? 0,
          devicesLearning: d.learning,
          devicesAnomalous: d.anomalous,
          episodes: sensors.episodes + (devices?.episodes ?? 0),
        },
      }
    },
  }
}
