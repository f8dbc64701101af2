/**
 * @module sensor-detectors
 * One detector and one episode tracker per sensor, made on first sight of the sensor from the service
 * config (with per-sensor overrides). Every detector learns first (`learning`) and raises nothing until it
 * has seen enough; then each sensor is normal or in an episode, and only the episode's start, updates and
 * end are published (DESIGN.md §8). Pure: samples in, anomaly events (DESIGN.md §4) out.
 */
import type { AnomalyEvent } from '@sluice/contract'
import {
  createDetector,
  createEpisodeTracker,
  type DetectorSpec,
  type EpisodeOptions,
  type EpisodeTracker,
  type GatedDetector,
  type LearningOptions,
  type Sample,
} from '@sluice/stream'
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
}

/** Learning applied to every detector whose spec does not set its own. */
export type LearningDefaults = Required<LearningOptions>

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
  const bySensor = new Map<string, { det: GatedDetector; ep: EpisodeTracker; channel: string }>()
  let started = 0
  return {
    push(key, samples) {
      let s = bySensor.get(key)
      if (s === undefined) {
        const slash = key.indexOf('/')
        s = {
          det: createDetector(specFor(key)),
          ep: createEpisodeTracker(episodes),
          channel: key.slice(slash + 1),
        }
        bySensor.set(key, s)
      }
      for (const sample of samples) {
        const d = s.det.update(sample.t, sample.value)
        const ev = s.ep.push(sample.t, d, [s.channel])
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
  }
}
