/**
 * @module sensor-detectors
 * One detector and one debouncer per sensor, made on first sight of the sensor from the service config
 * (with per-sensor overrides). Pure: samples in, anomaly events (DESIGN.md §4) out.
 */
import type { AnomalyEvent } from '@sluice/contract'
import {
  createDebouncer,
  createDetector,
  type Debouncer,
  type DebouncerOptions,
  type Detector,
  type DetectorSpec,
  type Sample,
} from '@sluice/stream'

/** Every sensor's detector state. */
export interface SensorDetectors {
  /** Scores samples of one sensor in order; calls `emit` for each debounced event. */
  push(key: string, samples: readonly Sample[]): void
  readonly sensors: number
  /** Samples refused because they came from a sensor beyond `maxSensors` (cumulative). */
  readonly refused: number
}

/**
 * Creates the per-sensor detectors.
 *
 * @example
 * const d = createSensorDetectors({ name: 'zscore' }, {}, { holdoffSamples: 20 }, (key, e) => send(key, e))
 */
export function createSensorDetectors(
  detector: DetectorSpec,
  overrides: Readonly<Record<string, DetectorSpec>>,
  debounce: DebouncerOptions,
  emit: (key: string, event: AnomalyEvent) => void,
  maxSensors = Infinity,
): SensorDetectors {
  // Build each configured detector once now, so a bad name or option fails at start with a clear error.
  createDetector(detector)
  for (const spec of Object.values(overrides)) createDetector(spec)
  createDebouncer(debounce)
  const bySensor = new Map<string, { det: Detector; deb: Debouncer }>()
  let refused = 0
  return {
    push(key, samples) {
      let s = bySensor.get(key)
      if (s === undefined) {
        // Detector state is per sensor, so the number of sensors is what bounds this service's memory.
        if (bySensor.size >= maxSensors) {
          refused += samples.length
          return
        }
        s = { det: createDetector(overrides[key] ?? detector), deb: createDebouncer(debounce) }
        bySensor.set(key, s)
      }
      for (const sample of samples) {
        const d = s.det.update(sample.t, sample.value)
        const ev = s.deb.push(sample.t, d)
        if (ev === undefined) continue
        emit(key, {
          seq: sample.seq,
          t: sample.t,
          value: sample.value,
          score: d.score,
          threshold: d.threshold,
          detector: s.det.name,
          // An alert threshold set below `unusual` can alert on a "normal" level; report it as unusual.
          level: d.level === 'normal' ? 'unusual' : d.level,
          kind: d.kind,
          baseline: { mean: d.baseline.mean, std: d.baseline.std, n: d.baseline.n },
          ingest: sample.ingest,
        })
      }
    },
    get sensors() {
      return bySensor.size
    },
    get refused() {
      return refused
    },
  }
}
