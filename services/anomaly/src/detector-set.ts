/**
 * @module detector-set
 * The detectors the anomaly service runs, built from its config: one detector per sensor and, for devices
 * with two or more channels, one multivariate detector per device, both turning alerts into episode events.
 * The service wires it to its hops; `bench/anomaly/machine.ts` and the quality tests drive it directly with
 * recorded or simulated samples, so what they measure is what the service does.
 */
import type { AnomalyEvent } from '@sluice/contract'
import type { MultivariateOptions, Sample } from '@sluice/stream'
import { Value } from '@sinclair/typebox/value'
import { AnomalyConfigSchema, DEFAULT_DETECTOR, type AnomalyConfig } from './config.js'
import { createDeviceDetectors, type DeviceDetectors } from './device-detectors.js'
import { createSensorDetectors, type SensorDetectors } from './sensor-detectors.js'

/** The anomaly settings a detector set is built from (the service's config holds more). */
export type DetectorSetConfig = Pick<
  AnomalyConfig,
  'detector' | 'sensors' | 'debounce' | 'learning' | 'multivariate' | 'maxSensors'
>

/** The per-sensor detectors, the per-device ones when enabled, and one entry point for samples. */
export interface DetectorSet {
  readonly sensors: SensorDetectors
  readonly devices: DeviceDetectors | undefined
  /** Feeds one sensor's samples (`key` is `device/channel`) to both; a plain function, safe to pass on. */
  readonly push: (key: string, samples: readonly Sample[]) => void
}

/**
 * The service's default settings, as `sluice anomaly` with no options runs them (the detector included).
 *
 * @example
 * const set = createDetectorSet(defaultAnomalyConfig(), (key, event) => events.push([key, event]))
 */
export function defaultAnomalyConfig(): DetectorSetConfig {
  const defaults = Value.Default(AnomalyConfigSchema, {}) as DetectorSetConfig
  return { ...defaults, detector: DEFAULT_DETECTOR }
}

/** Builds the detectors `config` asks for; `emit` gets every episode event with its sensor key. */
export function createDetectorSet(
  config: DetectorSetConfig,
  emit: (key: string, event: AnomalyEvent) => void,
): DetectorSet {
  const learning = { learnSamples: config.learning.samples, learnMs: config.learning.ms }
  // The config schema checks names and option names against the detector registry; the detector
  // factories check the values' ranges at start.
  const sensors = createSensorDetectors(
    config.detector ?? DEFAULT_DETECTOR,
    config.sensors,
    config.debounce,
    emit,
    learning,
  )
  const { enabled, ...multivariate } = config.multivariate
  const devices = enabled
    ? createDeviceDetectors(
        {
          detector: { ...learning, ...(multivariate as MultivariateOptions) },
          episodes: config.debounce,
          maxDevices: config.maxSensors,
        },
        emit,
      )
    : undefined
  return {
    sensors,
    devices,
    push: (key, samples) => {
      sensors.push(key, samples)
      devices?.push(key, samples)
    },
  }
}
