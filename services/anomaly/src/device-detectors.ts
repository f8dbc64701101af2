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
 *
 * A device moves to another instance of the group with its state (DESIGN.md §12, issue 13):
 * `exportDevice` snapshots its detector, episode tracker and join buffer and forgets it, `importDevice`
 * restores them on the new owner.
 */
import type { AnomalyEvent } from '@sluice/contract'
import {
  createEpisodeTracker,
  createMultivariateDetector,
  decodeState,
  encodeState,
  type EpisodeOptions,
  type EpisodeTracker,
  type MultivariateDetector,
  type MultivariateOptions,
  type Sample,
} from '@sluice/stream'
import { toAnomalyEvent } from './episode-event.js'
import {
  DEVICE_STATE_VERSION,
  deviceStateParts,
  invalidDeviceState,
  restoring,
} from './device-state.js'

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
  /**
   * Hands a device over (DESIGN.md §12, issue 13): returns its channels, multivariate detector, episode
   * tracker and join buffer (rows still waiting for a channel) as JSON-safe data, and forgets the device
   * without emitting anything. `undefined` for a device it does not hold.
   */
  exportDevice(device: string): unknown
  /**
   * Takes a device over from {@link DeviceDetectors.exportDevice} of an instance with the same options
   * (after JSON), replacing whatever it held for it; it continues exactly where it stopped, and is not
   * learning again if it had finished. Taken even past `maxDevices`: the group assigned it here.
   *
   * @throws StreamError `SLUICE_ERR_DETECT_INVALID_STATE` when the state does not fit (another detector
   *   config, another version, malformed); nothing is changed then.
   */
  importDevice(device: string, state: unknown): void
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

  /** The device's state, created on its first sample unless `maxDevices` are held already. */
  const deviceFor = (id: string): Device | undefined => {
    let dev = byDevice.get(id)
    if (dev === undefined) {
      if (byDevice.size >= maxDevices) return undefined
      dev = newDevice(options)
      byDevice.set(id, dev)
    }
    return dev
  }

  return {
    push(key, samples) {
      const slash = key.indexOf('/')
      const id = key.slice(0, slash)
      const channel = key.slice(slash + 1)
      const dev = deviceFor(id)
      if (dev === undefined) return
      const index = channelIndex(dev, channel, options)
      const d = dev.channels.length
      joinSamples(dev, index, samples, joinWindow, (row) => {
        if (d >= 2) score(id, dev, row)
      })
      incomplete += dropIncompleteRows(dev, joinWindow)
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
    states: () => countStates(byDevice.values()),
    exportDevice(id) {
      const dev = byDevice.get(id)
      if (dev === undefined) return undefined
      byDevice.delete(id)
      return encodeState({ v: DEVICE_STATE_VERSION, device: deviceState(dev) })
    },
    importDevice(id, state) {
      byDevice.set(id, restoreDevice(id, decodeState(state), options))
    },
  }
}

/**
 * The index of `channel` in the device's rows. A new channel restarts the device's detector with one more
 * dimension (learning again) and empties the join buffer: rows are joined from the next seq on.
 */
function channelIndex(dev: Device, channel: string, options: DeviceDetectorOptions): number {
  const index = dev.channels.indexOf(channel)
  if (index !== -1) return index
  dev.channels.push(channel)
  dev.rows.clear()
  dev.joinFrom = dev.maxSeq + 1
  dev.detector =
    dev.channels.length >= 2
      ? createMultivariateDetector(dev.channels.length, options.detector)
      : undefined
  return dev.channels.length - 1
}

/**
 * Joins samples of the channel at `index` into the device's rows by `seq`, and calls `complete` with each
 * row they complete (in order), after taking it out of the join buffer.
 */
function joinSamples(
  dev: Device,
  index: number,
  samples: readonly Sample[],
  joinWindow: number,
  complete: (row: Row) => void,
): void {
  const d = dev.channels.length
  if (d === 1 && dev.rows.size === 0 && joinWindow > 0) {
    // A device of one channel (so far): each row would be complete at once and never scored, so only
    // the newest seq is kept, without a row per sample (issue 16: this was a share of the anomaly
    // service's allocations in the mesh profile).
    for (const s of samples)
      if (Number.isFinite(s.seq) && s.seq >= dev.joinFrom && s.seq > dev.maxSeq) dev.maxSeq = s.seq
    return
  }
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
      complete(row)
    }
  }
}

/** Drops the rows `joinWindow` or more seqs behind the newest (a channel lost a sample); returns how many. */
function dropIncompleteRows(dev: Device, joinWindow: number): number {
  let dropped = 0
  // Rows are created in seq order per channel, so the Map's insertion order is nearly seq order.
  for (const [seq] of dev.rows) {
    if (seq > dev.maxSeq - joinWindow) break
    dev.rows.delete(seq)
    dropped++
  }
  return dropped
}

/** How many devices with a detector are learning, normal and in an episode. */
function countStates(devices: Iterable<Device>): ReturnType<DeviceDetectors['states']> {
  let learning = 0
  let anomalous = 0
  let total = 0
  for (const dev of devices) {
    if (dev.detector === undefined) continue
    total++
    if (dev.detector.learning) learning++
    else if (dev.episodes.active) anomalous++
  }
  return { learning, normal: total - learning - anomalous, anomalous }
}

/** A device's handover state, before encoding; {@link restoreDevice} reads it back. */
function deviceState(dev: Device): Record<string, unknown> {
  return {
    channels: dev.channels,
    detector: dev.detector?.snapshot() ?? null,
    episodes: dev.episodes.snapshot(),
    // In the Map's order, which decides what is evicted first.
    rows: [...dev.rows].map(([seq, row]) => [seq, row.t, row.samples.map((x) => x ?? null)]),
    maxSeq: dev.maxSeq,
    joinFrom: dev.joinFrom,
    channel: dev.channel ?? null,
  }
}

/** A device seen for the first time. */
function newDevice(options: DeviceDetectorOptions): Device {
  return {
    channels: [],
    detector: undefined,
    episodes: createEpisodeTracker(options.episodes),
    rows: new Map(),
    maxSeq: Number.NEGATIVE_INFINITY,
    joinFrom: Number.NEGATIVE_INFINITY,
    channel: undefined,
  }
}

/** A device rebuilt from its decoded handover state; throws before anything is changed. */
function restoreDevice(id: string, state: unknown, options: DeviceDetectorOptions): Device {
  const p = deviceStateParts(id, state, 'device')
  const channels = p.channels
  if (!Array.isArray(channels) || !channels.every((c) => typeof c === 'string')) {
    throw invalidDeviceState(id, 'its channels are not a list of names')
  }
  const dev: Device = {
    ...newDevice(options),
    channels: [...channels],
    maxSeq: restoring(id, 'device.maxSeq', () => seqOf(p.maxSeq)),
    joinFrom: restoring(id, 'device.joinFrom', () => seqOf(p.joinFrom)),
    channel: typeof p.channel === 'string' ? p.channel : undefined,
  }
  const d = dev.channels.length
  restoring(id, 'its detectors', () => {
    if (d >= 2) {
      dev.detector = createMultivariateDetector(d, options.detector)
      dev.detector.restore(p.detector as Parameters<MultivariateDetector['restore']>[0])
    } else if (p.detector !== null) throw new Error('a detector for fewer than two channels')
    dev.episodes.restore(p.episodes as Parameters<EpisodeTracker['restore']>[0])
  })
  if (!Array.isArray(p.rows)) throw invalidDeviceState(id, 'its join buffer is not a list')
  for (const x of p.rows as unknown[]) {
    const [seq, row] = restoring(id, 'a row of its join buffer', () => rowOf(x, d))
    dev.rows.set(seq, row)
  }
  return dev
}

/** A sequence number of a device state: an integer, or −∞ before the first. */
function seqOf(x: unknown): number {
  if (x === Number.NEGATIVE_INFINITY || Number.isInteger(x)) return x as number
  throw new Error(`${String(x)} is not a sequence number`)
}

/** A row of a join buffer from its state, `[seq, t, samples]` with `null` for a missing channel. */
function rowOf(x: unknown, d: number): [number, Row] {
  if (!Array.isArray(x) || x.length !== 3) throw new Error('it is not [seq, t, samples]')
  const [seq, t, list] = x as [unknown, unknown, unknown]
  if (
    !Number.isInteger(seq) ||
    typeof t !== 'number' ||
    !Array.isArray(list) ||
    list.length !== d
  ) {
    throw new Error(`it is not [seq, t, samples of ${d} channels]`)
  }
  const samples = list.map((s): Sample | undefined => {
    if (s === null) return undefined
    const { seq: n, t: at, value, ingest } = (s ?? {}) as Record<string, unknown>
    if (![n, at, value, ingest].every((v) => typeof v === 'number'))
      throw new Error('a sample is malformed')
    return s as Sample
  })
  const row: Row = {
    t,
    values: samples.map((s) => s?.value),
    samples,
    filled: samples.filter((s) => s !== undefined).length,
  }
  return [seq as number, row]
}
