/**
 * @module sensor-windows
 * The windows of every sensor: one operator per (sensor, window name), made on first sight of the sensor.
 * Pure, so the service's behaviour is tested without a broker.
 */
import {
  createWindow,
  type Sample,
  type WindowAggregate,
  type WindowOperator,
  type WindowSpec,
} from '@sluice/stream'

/** Every configured window for every sensor seen. */
export interface SensorWindows {
  /** Feeds samples of one sensor, in order. */
  push(key: string, samples: readonly Sample[]): void
  /** Emits what every open window holds (at shutdown). */
  flush(): void
  /** Sensors seen so far. */
  readonly sensors: number
}

/**
 * Creates the per-sensor windows; `emit` gets every aggregate with its sensor key.
 *
 * @example
 * const w = createSensorWindows({ c10: { type: 'count', size: 10, stride: 10 } }, (key, a) => log(key, a))
 * w.push('uno/light', samples)
 */
export function createSensorWindows(
  specs: Readonly<Record<string, WindowSpec>>,
  emit: (key: string, aggregate: WindowAggregate) => void,
): SensorWindows {
  const entries = Object.entries(specs)
  // Validate every spec once at start, so a bad window fails the service at boot, not at the first sample.
  for (const [name, spec] of entries) createWindow(name, spec)
  const bySensor = new Map<string, { ops: WindowOperator[]; emit: (a: WindowAggregate) => void }>()
  const sensor = (key: string) => {
    let s = bySensor.get(key)
    if (s === undefined) {
      s = {
        ops: entries.map(([name, spec]) => createWindow(name, spec)),
        emit: (a) => emit(key, a),
      }
      bySensor.set(key, s)
    }
    return s
  }
  return {
    push(key, samples) {
      const s = sensor(key)
      for (const sample of samples) for (const op of s.ops) op.push(sample, s.emit)
    },
    flush() {
      for (const s of bySensor.values()) for (const op of s.ops) op.flush(s.emit)
    },
    get sensors() {
      return bySensor.size
    },
  }
}
