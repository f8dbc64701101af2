/**
 * @module sensor-windows
 * The windows of every sensor: one operator per (sensor, window name), made on first sight of the sensor.
 * Pure, so the service's behaviour is tested without a broker. How many sensors it is given is bounded
 * before it, by the service's intake (`maxSensors`, `createSensorIntake` of `@sluice/mesh`).
 *
 * A sensor can be handed to another instance of the group with its state (DESIGN.md §12, issue 13):
 * `exportSensor` gives every window operator's snapshot and forgets the sensor, `importSensor` on the new
 * owner restores them, and the sensor's windows continue as if it had never moved.
 */
import {
  createWindow,
  isWindowTime,
  StreamError,
  StreamErrorCode,
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
  /**
   * Hands a sensor over (DESIGN.md §12, issue 13): returns its whole state, every window operator and its
   * last event and wall times, as JSON-safe data, and forgets the sensor without emitting or flushing
   * anything (its new owner continues its windows). `undefined` for a sensor it does not hold.
   */
  exportSensor(key: string): unknown
  /**
   * Takes a sensor over from {@link SensorWindows.exportSensor} of an instance with the same windows
   * (after JSON), replacing any state it had for `key`; the sensor's windows then continue exactly where
   * they stopped.
   *
   * @throws StreamError `SLUICE_ERR_WINDOW_INVALID_STATE` when the state does not fit the configured
   *   windows (another config, another version, malformed); nothing is changed then.
   */
  importSensor(key: string, state: unknown): void
}

/** Version of a sensor's handover state; bump it when a field changes meaning. */
const SENSOR_STATE_VERSION = 1

function invalidSensorState(key: string, problem: string): StreamError {
  return new StreamError(
    StreamErrorCode.InvalidWindowState,
    `Cannot take over the windows of sensor ${key}: ${problem}. The instance that handed it over probably ` +
      `has another window config or version; give every instance of the group the same windows (the ` +
      `sensor starts fresh here meanwhile).`,
  )
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
  const fresh = (key: string): SensorState => ({
    ops: entries.map(([name, spec]) => createWindow(name, spec)),
    emit: (a) => emit(key, a),
    lastT: -Infinity,
    lastWall: 0,
  })
  const sensor = (key: string): SensorState => {
    let s = bySensor.get(key)
    if (s === undefined) {
      s = fresh(key)
      bySensor.set(key, s)
    }
    return s
  }
  /** A sensor's state rebuilt from its handover state; throws before touching `bySensor`. */
  const restored = (key: string, state: unknown): SensorState => {
    if (state === null || typeof state !== 'object')
      throw invalidSensorState(key, 'it is not an object')
    const { v, lastT, lastWall, windows } = state as Record<string, unknown>
    if (v !== SENSOR_STATE_VERSION) throw invalidSensorState(key, `version ${String(v)} is unknown`)
    if (!(lastT === null || Number.isFinite(lastT)) || !Number.isFinite(lastWall)) {
      throw invalidSensorState(key, 'its last event or wall time is not a number')
    }
    if (windows === null || typeof windows !== 'object') {
      throw invalidSensorState(key, 'it holds no windows')
    }
    const names = Object.keys(windows)
    const missing = entries.filter(([name]) => !names.includes(name)).map(([name]) => name)
    if (missing.length > 0 || names.length !== entries.length) {
      throw invalidSensorState(
        key,
        `it holds windows ${names.join(', ') || '(none)'}, not ${entries.map(([n]) => n).join(', ')}`,
      )
    }
    const s = fresh(key)
    for (const op of s.ops) op.restore((windows as Record<string, unknown>)[op.name])
    s.lastT = (lastT as number | null) ?? -Infinity
    s.lastWall = lastWall as number
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
    exportSensor(key) {
      const s = bySensor.get(key)
      if (s === undefined) return undefined
      bySensor.delete(key)
      return {
        v: SENSOR_STATE_VERSION,
        // −∞ before the first sample: JSON has no infinity.
        lastT: Number.isFinite(s.lastT) ? s.lastT : null,
        lastWall: s.lastWall,
        windows: Object.fromEntries(s.ops.map((op) => [op.name, op.snapshot()])),
      }
    },
    importSensor(key, state) {
      bySensor.set(key, restored(key, state))
    },
  }
}
