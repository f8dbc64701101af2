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
  /** Feeds samples of one sensor, in order; `now` is the wall time (ms), for {@link advanceIdle}. */
  push(key: string, samples: readonly Sample[], now?: number): void
  /** Emits what every open window holds (at shutdown). */
  flush(): void
  /**
   * Moves event time on for sensors silent for at least `idleAfterMs` of wall time: each one's last event
   * time plus the wall time since its last sample (`now`, ms). Closes their time windows and sessions; a
   * no-op for count windows.
   */
  advanceIdle(now: number, idleAfterMs: number): void
  /** Sensors seen so far. */
  readonly sensors: number
  /** Samples refused because they came from a sensor beyond `maxSensors` (cumulative). */
  readonly refused: number
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
  maxSensors = Infinity,
): SensorWindows {
  const entries = Object.entries(specs)
  // Validate every spec once at start, so a bad window fails the service at boot, not at the first sample.
  for (const [name, spec] of entries) createWindow(name, spec)
  interface SensorState {
    ops: WindowOperator[]
    emit: (a: WindowAggregate) => void
    /** Latest event time seen, and the wall time it was seen at. */
    lastT: number
    lastWall: number
  }
  const bySensor = new Map<string, SensorState>()
  let refused = 0
  // Window state is per sensor, so the number of sensors is what bounds this service's memory.
  const sensor = (key: string): SensorState | undefined => {
    let s = bySensor.get(key)
    if (s === undefined) {
      if (bySensor.size >= maxSensors) return undefined
      s = {
        ops: entries.map(([name, spec]) => createWindow(name, spec)),
        emit: (a) => emit(key, a),
        lastT: -Infinity,
        lastWall: 0,
      }
      bySensor.set(key, s)
    }
    return s
  }
  return {
    push(key, samples, now = Date.now()) {
      const s = sensor(key)
      if (s === undefined) {
        refused += samples.length
        return
      }
      for (const sample of samples) {
        for (const op of s.ops) op.push(sample, s.emit)
        if (sample.t > s.lastT) s.lastT = sample.t
      }
      s.lastWall = now
    },
    advanceIdle(now, idleAfterMs) {
      for (const s of bySensor.values()) {
        if (!Number.isFinite(s.lastT) || now - s.lastWall < idleAfterMs) continue
        const t = s.lastT + Math.max(0, now - s.lastWall)
        for (const op of s.ops) op.advance(t, s.emit)
      }
    },
    flush() {
      for (const s of bySensor.values()) for (const op of s.ops) op.flush(s.emit)
    },
    get sensors() {
      return bySensor.size
    },
    get refused() {
      return refused
    },
  }
}
