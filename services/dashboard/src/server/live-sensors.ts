/**
 * @module server/live-sensors
 * The sensors part of the dashboard server's live state (see server/live-state): per sensor, the raw
 * samples that arrived since the last frame (decimated once they pile up, so a burst between two frames
 * stays bounded) and a ring of recent history for the snapshot. At most `maxSensors` are tracked, and a
 * sensor quiet for `expireAfterMs` is forgotten at the next frame. Pure: no I/O, time passed in.
 */
import type { Sample } from '@sluice/stream'
import type { SampleColumns } from '../protocol.js'
import { SampleRing } from '../sample-ring.js'
import { decimateMinMax } from './decimate.js'

/** Bounds of {@link createLiveSensors} (see `LiveStateOptions`). */
export interface LiveSensorsOptions {
  readonly maxSamplesPerFrame: number
  readonly historySamples: number
  readonly maxSensors: number
  readonly expireAfterMs: number
}

/** The raw samples of one frame, per sensor key, and how many decimation left out. */
export interface RawCut {
  readonly raw: Record<string, SampleColumns>
  readonly decimated: number
}

/** The tracked sensors. */
export interface LiveSensors {
  /** Marks `key` active, tracking it if there is room; false when it is over `maxSensors`. */
  touch(key: string): boolean
  /** Adds raw samples of `key`; false (nothing kept) when it is over `maxSensors`. */
  addSamples(key: string, samples: readonly Sample[]): boolean
  /** Cuts the samples since the last frame, and forgets the sensors quiet for `expireAfterMs`. */
  cutFrame(now: number): RawCut
  /** Each sensor's history, min/max-decimated to `part` (0 to 1) of its samples; none at 0. */
  history(part: number): Record<string, SampleColumns>
  /** Sensors tracked. */
  readonly size: number
  /** Raw samples not sent because of decimation (cumulative). */
  readonly decimated: number
  /** Sensors forgotten (cumulative). */
  readonly expired: number
}

interface SensorState {
  pending: SampleColumns
  /** Samples already decimated out of `pending` (a burst between two frames). */
  pendingDecimated: number
  readonly history: SampleRing
  /** Something arrived since the last frame. */
  active: boolean
  /** When the last frame found it active (`now` of `takeFrame`); NaN before its first frame. */
  lastActive: number
}

const emptyColumns = (): SampleColumns => ({ seq: [], t: [], v: [], i: [] })

/** Creates the tracked sensors, none yet. */
export function createLiveSensors(options: LiveSensorsOptions): LiveSensors {
  const { maxSamplesPerFrame, historySamples, maxSensors, expireAfterMs } = options
  // A sensor's pending run is decimated once it reaches this, so a burst between two frames stays bounded.
  const pendingCap = Math.max(maxSamplesPerFrame * 8, 256)
  const sensors = new Map<string, SensorState>()
  let decimated = 0
  let expired = 0

  function sensor(key: string): SensorState | undefined {
    let s = sensors.get(key)
    if (s === undefined) {
      if (sensors.size >= maxSensors) return undefined
      s = {
        pending: emptyColumns(),
        pendingDecimated: 0,
        history: new SampleRing(historySamples),
        active: true,
        lastActive: NaN,
      }
      sensors.set(key, s)
    }
    s.active = true
    return s
  }

  return {
    touch: (key) => sensor(key) !== undefined,
    addSamples(key, samples) {
      const s = sensor(key)
      if (s === undefined) return false
      for (const x of samples) {
        const p = s.pending
        p.seq.push(x.seq)
        p.t.push(x.t)
        p.v.push(x.value)
        p.i.push(x.ingest)
        s.history.push(x.seq, x.t, x.value, x.ingest)
        if (p.v.length >= pendingCap) {
          s.pending = decimateMinMax(p, maxSamplesPerFrame)
          s.pendingDecimated += p.v.length - s.pending.v.length
        }
      }
      return true
    },
    cutFrame(now) {
      const raw: Record<string, SampleColumns> = {}
      let frameDecimated = 0
      for (const [key, s] of sensors) {
        if (s.active) {
          s.active = false
          s.lastActive = now
        } else if (expireAfterMs > 0 && !(now - s.lastActive < expireAfterMs)) {
          sensors.delete(key)
          expired++
          continue
        }
        if (s.pending.v.length === 0) continue
        const cut = decimateMinMax(s.pending, maxSamplesPerFrame)
        frameDecimated += s.pendingDecimated + s.pending.v.length - cut.v.length
        raw[key] = cut
        s.pending = emptyColumns()
        s.pendingDecimated = 0
      }
      decimated += frameDecimated
      return { raw, decimated: frameDecimated }
    },
    history(part) {
      const raw: Record<string, SampleColumns> = {}
      if (part > 0) {
        for (const [key, s] of sensors) {
          const all = s.history.columns()
          raw[key] = part < 1 ? decimateMinMax(all, Math.ceil(all.v.length * part)) : all
        }
      }
      return raw
    },
    get size() {
      return sensors.size
    },
    get decimated() {
      return decimated
    },
    get expired() {
      return expired
    },
  }
}
