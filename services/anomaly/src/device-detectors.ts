/**
 * @module device-detectors
 * One multivariate detector per device with two or more channels (DESIGN.md §8, issue 15). The channels of
 * a device come on separate raw topics but share the device's `seq` (one serial line), so samples are
 * joined by `seq` into rows; a row is scored once every channel known for the device has a value for it.
 * A row still incomplete when the device is `joinWindow` sequence numbers further on is dropped and counted
 * (a channel lost a sample), so the join's memory is bounded. When a new channel appears, the device's
 * detector starts again with one more dimension (and learns again), joining from the next seq on.
 *
 * Device episodes are published on the topic of the channel most to blame when the episode started, with
 * `scope: "device"` and the channels involved in `episode.channels`.
 */
import type { AnomalyEvent } from '@sluice/contract'
import {
  createEpisodeTracker,
  createMultivariateDetector,
  type EpisodeOptions,
  type EpisodeTracker,
  type MultivariateDetector,
  type MultivariateOptions,
  type Sample,
} from '@sluice/stream'
import { toAnomalyEvent } from './episode-event.js'

/** Options of {@link createDeviceDetectors}. */
export interface DeviceDetectorOptions {
  readonly detector: MultivariateOptions
  readonly episodes: EpisodeOptions
  /** Sequence numbers a row may wait for its missing channels (beyond a raw batch). Default 1024. */
  readonly joinWindow?: number
  /** Most devices kept. Default unbounded (the sensor limit bounds it in the service). */
  readonly maxDevices?: number
}

/** The multivariate detectors of every device. */
export interface DeviceDetectors {
  /** Takes samples of one sensor (`device/channel`); scores every row they complete. */
  push(key: string, samples: readonly Sample[]): void
  /** Devices with a multivariate detector (two or more channels). */
  readonly devices: number
  /** Rows dropped because a channel never delivered its value (cumulative). */
  readonly incomplete: number
  readonly episodes: number
  states(): { readonly learning: number; readonly normal: number; readonly anomalous: number }
}

interface Row {
  readonly t: number
  readonly values: (number | undefined)[]
  readonly samples: (Sample | undefined)[]
  filled: number
}

interface Device {
  readonly channels: string[]
  detector: MultivariateDetector | undefined
  readonly episodes: EpisodeTracker
  readonly rows: Map<number, Row>
  maxSeq: number
  /** Rows before this seq are not joined: they began before the last channel was discovered. */
  joinFrom: number
  /** The topic channel of the open episode. */
  channel: string | undefined
}

/**
 * Creates the device detectors.
 *
 * @example
 * const devices = createDeviceDetectors({ detector: {}, episodes: { holdoffSamples: 20 } }, send)
 * devices.push('pump/flow', samples)
 */
export function createDeviceDetectors(
  options: DeviceDetectorOptions,
  emit: (key: string, event: AnomalyEvent) => void,
): DeviceDetectors {
  const joinWindow = options.joinWindow ?? 1024
  const maxDevices = options.maxDevices ?? Infinity
  // Fail at start on a bad option.
  createMultivariateDetector(2, options.detector)
  createEpisodeTracker(options.episodes)
  const byDevice = new Map<string, Device>()
  let incomplete = 0
  let started = 0

  const score = (id: string, dev: Device, row: Row): void => {
    const det = dev.detector
    if (det === undefined) return
    const values = row.values as number[]
    const r = det.update(row.t, values)
    const blamed = r.top.map((i) => dev.channels[i]!)
    const ev = dev.episodes.push(row.t, r, blamed)
    if (ev === undefined) return
    if (ev.phase === 'start') {
      started++
      dev.channel = blamed[0] ?? dev.channels[0]!
    }
    const channel = dev.channel ?? dev.channels[0]!
    const sample = row.samples[dev.channels.indexOf(channel)]!
    emit(`${id}/${channel}`, toAnomalyEvent(ev, det.name, 'device', `${id}/_device`, sample))
    if (ev.phase === 'end') dev.channel = undefined
  }

  const addChannel = (dev: Device, channel: string): void => {
    dev.channels.push(channel)
    dev.rows.clear()
    dev.joinFrom = dev.maxSeq + 1
    dev.detector =
      dev.channels.length >= 2
        ? createMultivariateDetector(dev.channels.length, options.detector)
        : undefined
  }

  return {
    push(key, samples) {
      const slash = key.indexOf('/')
      const id = key.slice(0, slash)
      const channel = key.slice(slash + 1)
      let dev = byDevice.get(id)
      if (dev === undefined) {
        if (byDevice.size >= maxDevices) return
        dev = {
          channels: [],
          detector: undefined,
          episodes: createEpisodeTracker(options.episodes),
          rows: new Map(),
          maxSeq: Number.NEGATIVE_INFINITY,
          joinFrom: Number.NEGATIVE_INFINITY,
          channel: undefined,
        }
        byDevice.set(id, dev)
      }
      let index = dev.channels.indexOf(channel)
      if (index === -1) {
        addChannel(dev, channel)
        index = dev.channels.length - 1
      }
      const d = dev.channels.length
      for (const s of samples) {
        if (!Number.isFinite(s.seq) || s.seq < dev.joinFrom) continue
        let row = dev.rows.get(s.seq)
        if (row === undefined) {
          if (s.seq <= dev.maxSeq - joinWindow) continue
          row = {
            t: s.t,
            values: new Array<number | undefined>(d),
            samples: new Array<Sample | undefined>(d),
            filled: 0,
          }
          dev.rows.set(s.seq, row)
        }
        if (row.values[index] === undefined) row.filled++
        row.values[index] = s.value
        row.samples[index] = s
        if (s.seq > dev.maxSeq) dev.maxSeq = s.seq
        if (row.filled === d) {
          dev.rows.delete(s.seq)
          if (d >= 2) score(id, dev, row)
        }
      }
      // Rows are created in seq order per channel, so the Map's insertion order is nearly seq order.
      for (const [seq] of dev.rows) {
        if (seq > dev.maxSeq - joinWindow) break
        dev.rows.delete(seq)
        incomplete++
      }
    },
    get devices() {
      let n = 0
      for (const dev of byDevice.values()) if (dev.detector !== undefined) n++
      return n
    },
    get incomplete() {
      return incomplete
    },
    get episodes() {
      return started
    },
    states() {
      let learning = 0
      let anomalous = 0
      let total = 0
      for (const dev of byDevice.values()) {
        if (dev.detector === undefined) continue
        total++
        if (dev.detector.learning) learning++
        else if (dev.episodes.active) anomalous++
      }
      return { learning, normal: total - learning - anomalous, anomalous }
    },
  }
}
