/**
 * @module browser/sensor-state
 * What the sensor list says about one sensor (issue 15): `stale` when nothing arrived for 5 s, `anomaly`
 * when an event came in the last 10 s of event time, `learning` while an anomaly service reports the
 * sensor's detector still learning, else `ok`. A learning detector raises nothing by design, so its silence
 * must not read as "ok". Pure (no DOM), so it is tested in Node.
 */
import type { ServiceRow } from '../protocol.js'
import type { SensorSeries } from './sensor-store.js'

/** A sensor's state in the list. */
export type SensorState = 'ok' | 'learning' | 'anomaly' | 'stale'

/** No sample for this long (page clock, ms) and a sensor is `stale`. */
export const STALE_MS = 5000
/** An anomaly event this recent (event time, ms) and a sensor is `anomaly`. */
export const ANOMALY_MS = 10_000

/**
 * The sensors (`device/channel`) whose detector is still learning, from the `detectors` entry of every
 * anomaly service instance that is not offline (each names the sensors it owns).
 */
export function learningSensors(services: Iterable<ServiceRow>): Set<string> {
  const keys = new Set<string>()
  for (const row of services) {
    if (row.status?.state === 'offline') continue
    for (const hop of Object.values(row.metrics?.hops ?? {})) {
      for (const key of hop.detectors?.learningSensors ?? []) keys.add(key)
    }
  }
  return keys
}

/**
 * The state of sensor `s` at page time `now` (ms since the epoch), given the learning sensors.
 *
 * @example
 * sensorState(store.sensors.get('sim-0/light')!, learningSensors(store.services.values()), Date.now())
 */
export function sensorState(
  s: SensorSeries,
  learning: ReadonlySet<string>,
  now: number,
): SensorState {
  const ring = s.samples
  const lastIngest = ring.length === 0 ? -Infinity : ring.i[ring.index(ring.length - 1)]!
  if (now - lastIngest > STALE_MS) return 'stale'
  const lastAnomaly = s.anomalies.at(-1)
  if (lastAnomaly !== undefined && ring.lastT - lastAnomaly.t < ANOMALY_MS) return 'anomaly'
  return learning.has(s.key) ? 'learning' : 'ok'
}
