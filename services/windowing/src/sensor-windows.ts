/**
 * @module sensor-windows
 * The windows of every sensor: one operator per (sensor, window name), made on first sight of the sensor.
 * Pure, so the service's behaviour is tested without a broker. How many sensors it is given is bounded
 * before it, by the service's intake (`maxSensors`, `createSensorIntake` of `@sluice/mesh`).
 */
import {
  createWindow,
  isWindowTime,
  type Sample,
  type WindowAggregate,
  type WindowOperator,
  type WindowSpec,
} from '@sluice/stream'

/** What one {@link SensorWindows.push} lost, in samples. */
export interface PushLoss {
  /** Behind the watermark of at least one of the sensor's windows, so missing from it. */
  readonly late: number
}

/** Every configured window for every sensor seen. */
export interface SensorWindows {
  /**
   * Feeds samples of one sensor, in order; `now` is the wall time (ms), for {@link advanceIdle}. Returns
   * what it lost, for the hop's metrics.
   */
  push(key: string, samples: readonly Sample[], now?: number): PushLoss
  /** Emits what every open window holds (at shutdown). */
  flush(): void
  /**
   * For sensors silent for at least `idleAfterMs` of wall time: emits what their time windows and
   * sessions would complete by their last event time plus the wall time since their last sample (`now`,
   * ms), without moving event time, so samples that come later are never late because of it (see
   * `WindowOperator.advance`). A no-op for count windows.
   */
  advanceIdle(now: number, idleAfterMs: number): void
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
  interface SensorState {
    ops: WindowOperator[]
    emit: (a: WindowAggregate) => void
    /** Latest event time seen, and the wall time it was seen at. */
    lastT: number
    lastWall: number
  }
  const bySensor = new Map<string, SensorState>()
  const sensor = (key: string): SensorState => {
    let s = bySensor.get(key)
    if (s === undefined) {
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
      let late = 0
      for (const sample of samples) {
        let wasLate = false
        for (const op of s.ops) {
          const before = op.lateCount
          op.push(sample, s.emit)
          if (op.lateCount !== before) wasLate = true
        }
        if (wasLate) late++
        if (sample.t > s.lastT && isWindowTime(sample.t)) s.lastT = sample.t
      }
      s.lastWall = now
      return { late }
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
  }
}
