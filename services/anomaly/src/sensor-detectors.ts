/**
 * @module sensor-detectors
 * One detector and one episode tracker per sensor, made on first sight of the sensor from the service
 * config (with per-sensor overrides). Every detector learns first (`learning`) and raises nothing until it
 * has seen enough; then each sensor is normal or in an episode, and only the episode's start, updates and
 * end are published (DESIGN.md §8). Pure: samples in, anomaly events (DESIGN.md §4) out.
 *
 * The service assigns work per device (its multivariate detector needs every channel), so a device's
 * sensors are handed to another instance together, with their state (DESIGN.md §12, issue 13):
 * `exportDevice` snapshots and forgets them, `importDevice` restores them on the new owner.
 */
import type { AnomalyEvent } from '@sluice/contract'
import {
  createDetector,
  createEpisodeTracker,
  decodeState,
  encodeState,
  type DetectorSpec,
  type EpisodeOptions,
  type EpisodeTracker,
  type GatedDetector,
  type LearningOptions,
  type Sample,
} from '@sluice/stream'
import { DEVICE_STATE_VERSION, deviceStateParts, restoring } from './device-state.js'
import { toAnomalyEvent } from './episode-event.js'

/** How many sensors are in each state now. */
export interface SensorStates {
  readonly learning: number
  readonly normal: number
  readonly anomalous: number
}

/** Every sensor's detector state. */
export interface SensorDetectors {
  /** Scores samples of one sensor in order; calls `emit` for each episode event. */
  push(key: string, samples: readonly Sample[]): void
  /** Sensors seen (bounded before, by the service's intake: `maxSensors`). */
  readonly sensors: number
  /** Episodes started (cumulative). */
  readonly episodes: number
  /** Sensors learning, normal and in an episode. */
  states(): SensorStates
  /** The keys (`device/channel`) of at most `limit` sensors whose detector is still learning, sorted. */
  learningKeys(limit: number): string[]
  /**
   * Hands a device over (DESIGN.md §12, issue 13): returns the state of every sensor `device/<channel>`
   * it holds (detector, learning gate and episode tracker) as JSON-safe data, and forgets them without
   * emitting anything. `undefined` when it holds no sensor of the device.
   */
  exportDevice(device: string): unknown
  /**
   * Takes a device over from {@link SensorDetectors.exportDevice} of an instance with the same detector
   * config (after JSON), replacing whatever it held for the device's sensors; they continue exactly where
   * they stopped, and a sensor that had finished learning is not learning again.
   *
   * @throws StreamError `SLUICE_ERR_DETECT_INVALID_STATE` when the state does not fit (another detector
   *   config, another version, malformed); nothing is changed then.
   */
  importDevice(device: string, state: unknown): void
}

/** Learning applied to every detector whose spec does not set its own. */
export type LearningDefaults = Required<LearningOptions>

/** An episode tracker's state, as its `snapshot` gives it. */
type EpisodeSnapshot = ReturnType<EpisodeTracker['snapshot']>

/**
 * Creates the per-sensor detectors.
 *
 * @example
 * const d = createSensorDetectors({ name: 'zscore' }, {}, { holdoffSamples: 20 }, (key, e) => send(key, e))
 */
export function createSensorDetectors(
  detector: DetectorSpec,
  overrides: Readonly<Record<string, DetectorSpec>>,
  episodes: EpisodeOptions,
  emit: (key: string, event: AnomalyEvent) => void,
  learning?: LearningDefaults,
): SensorDetectors {
  const specFor = (key: string): DetectorSpec => {
    const spec = overrides[key] ?? detector
    if (learning === undefined) return spec
    return {
      ...spec,
      learnSamples: spec.learnSamples ?? learning.learnSamples,
      learnMs: spec.learnMs ?? learning.learnMs,
    }
  }
  // Build each configured detector once now, so a bad name or option fails at start with a clear error.
  createDetector(specFor(''))
  for (const key of Object.keys(overrides)) createDetector(specFor(key))
  createEpisodeTracker(episodes)
  interface SensorState {
    det: GatedDetector
    ep: EpisodeTracker
    /** `[channel]`, the channels of every detection: one array per sensor, not one per sample. */
    channels: readonly string[]
  }
  const bySensor = new Map<string, SensorState>()
  const fresh = (key: string): SensorState => ({
    det: createDetector(specFor(key)),
    ep: createEpisodeTracker(episodes),
    channels: [key.slice(key.indexOf('/') + 1)],
  })
  const keysOf = (device: string): string[] =>
    [...bySensor.keys()].filter((k) => k.slice(0, k.indexOf('/')) === device)
  let started = 0
  return {
    push(key, samples) {
      let s = bySensor.get(key)
      if (s === undefined) {
        s = fresh(key)
        bySensor.set(key, s)
      }
      for (const sample of samples) {
        // The detection is built only when the tracker can use it: on an alert or in an episode (a
        // quiet point outside one changes nothing there).
        const alert = s.det.observe(sample.t, sample.value)
        if (!alert && !s.ep.active) continue
        const ev = s.ep.push(sample.t, s.det.last(), s.channels)
        if (ev === undefined) continue
        if (ev.phase === 'start') started++
        emit(key, toAnomalyEvent(ev, s.det.name, 'channel', key, sample))
      }
    },
    get sensors() {
      return bySensor.size
    },
    get episodes() {
      return started
    },
    states() {
      let learningNow = 0
      let anomalous = 0
      for (const s of bySensor.values()) {
        if (s.det.learning) learningNow++
        else if (s.ep.active) anomalous++
      }
      return { learning: learningNow, normal: bySensor.size - learningNow - anomalous, anomalous }
    },
    learningKeys(limit) {
      const keys: string[] = []
      for (const [key, s] of bySensor) if (s.det.learning) keys.push(key)
      return keys.sort().slice(0, limit)
    },
    exportDevice(device) {
      const keys = keysOf(device)
      if (keys.length === 0) return undefined
      const sensors: Record<string, unknown> = {}
      for (const key of keys) {
        const s = bySensor.get(key)!
        sensors[s.channels[0]!] = {
          detector: s.det.snapshot(),
          episodes: encodeState(s.ep.snapshot()),
        }
        bySensor.delete(key)
      }
      return { v: DEVICE_STATE_VERSION, sensors }
    },
    importDevice(device, state) {
      const parts = deviceStateParts(device, state, 'sensors')
      const restored = Object.entries(parts).map(([channel, part]): [string, SensorState] => {
        const key = `${device}/${channel}`
        const s = fresh(key)
        const { detector, episodes: ep } = (part ?? {}) as Record<string, unknown>
        restoring(device, `sensor ${key}`, () => {
          s.det.restore(detector)
          s.ep.restore(decodeState(ep) as EpisodeSnapshot)
        })
        return [key, s]
      })
      for (const key of keysOf(device)) bySensor.delete(key)
      for (const [key, s] of restored) bySensor.set(key, s)
    },
  }
}
