/**
 * @module browser/sensor-store
 * Everything the page holds about sensors and services, bounded: per sensor a {@link SampleRing} of raw
 * samples, a ring of window aggregates per window name (end, mean, std), and a ring of recent anomaly
 * events; per service instance its last status and metrics. Frames and snapshots from the server are
 * applied here; the views read from here. Pure (no DOM), so it is tested in Node.
 */
import type { AnomalyEvent } from '@sluice/contract'
import type { Frame, SampleColumns, ServiceRow, Snapshot } from '../protocol.js'
import { RingSlots } from '../ring-slots.js'
import { SampleRing } from '../sample-ring.js'

/** Window aggregates of one window name, as parallel rings. */
export class WindowRing extends RingSlots {
  readonly end: Float64Array
  readonly mean: Float64Array
  readonly std: Float64Array
  constructor(capacity: number) {
    super(capacity)
    this.end = new Float64Array(capacity)
    this.mean = new Float64Array(capacity)
    this.std = new Float64Array(capacity)
  }
  /** Appends an aggregate; a re-emitted window (same or earlier end, e.g. a late update) replaces the last. */
  push(end: number, mean: number, std: number): void {
    const k =
      this.size > 0 && end <= this.end[this.index(this.size - 1)]!
        ? this.index(this.size - 1)
        : this.append()
    this.end[k] = end
    this.mean[k] = mean
    this.std[k] = std
  }
}

/** Everything held about one sensor. */
export interface SensorSeries {
  readonly key: string
  readonly device: string
  readonly channel: string
  readonly samples: SampleRing
  readonly windows: Map<string, WindowRing>
  /** Recent anomaly events, oldest first, at most `anomalyCapacity`. */
  readonly anomalies: AnomalyEvent[]
  /** Ingest times of samples not yet drawn (for latency), bounded. */
  readonly undrawn: number[]
  /** Bumped on every change, so a view redraws only what changed. */
  version: number
}

/** Bounds of {@link SensorStore}. */
export interface SensorStoreOptions {
  readonly ringCapacity: number
  readonly windowCapacity?: number
  readonly anomalyCapacity?: number
  readonly maxSensors?: number
  readonly maxServices?: number
}

/** The page's state. */
export class SensorStore {
  readonly sensors = new Map<string, SensorSeries>()
  readonly services = new Map<string, ServiceRow>()
  /** Recent anomalies of every sensor, newest last. */
  readonly recentAnomalies: { key: string; ev: AnomalyEvent }[] = []
  /** Window names seen, in order of first sight. */
  readonly windowNames: string[] = []
  /** Samples received, and samples the server said it decimated. */
  received = 0
  decimated = 0
  /** Bumped when the set of sensors or services changes. */
  layoutVersion = 0
  servicesVersion = 0
  private readonly windowCapacity: number
  private readonly anomalyCapacity: number
  private readonly maxSensors: number
  private readonly maxServices: number

  constructor(private options: SensorStoreOptions) {
    this.windowCapacity = options.windowCapacity ?? 1024
    this.anomalyCapacity = options.anomalyCapacity ?? 256
    this.maxSensors = options.maxSensors ?? 2000
    this.maxServices = options.maxServices ?? 512
  }

  /** Most undrawn ingest times kept per sensor (latency is sampled beyond it, not memory). */
  static readonly UNDRAWN_CAP = 4096

  private sensor(key: string): SensorSeries | undefined {
    let s = this.sensors.get(key)
    if (s !== undefined) return s
    if (this.sensors.size >= this.maxSensors) return undefined
    const slash = key.indexOf('/')
    s = {
      key,
      device: key.slice(0, slash),
      channel: key.slice(slash + 1),
      samples: new SampleRing(this.options.ringCapacity),
      windows: new Map(),
      anomalies: [],
      undrawn: [],
      version: 0,
    }
    this.sensors.set(key, s)
    this.layoutVersion++
    return s
  }

  private addSamples(key: string, c: SampleColumns, track: boolean): void {
    const s = this.sensor(key)
    if (s === undefined) return
    for (let k = 0; k < c.t.length; k++) {
      if (s.samples.push(c.seq[k]!, c.t[k]!, c.v[k]!, c.i[k]!) && track) {
        if (s.undrawn.length < SensorStore.UNDRAWN_CAP) s.undrawn.push(c.i[k]!)
      }
    }
    this.received += c.t.length
    s.version++
  }

  private addWindow(key: string, name: string, end: number, mean: number, std: number): void {
    const s = this.sensor(key)
    if (s === undefined) return
    let ring = s.windows.get(name)
    if (ring === undefined) {
      ring = new WindowRing(this.windowCapacity)
      s.windows.set(name, ring)
      if (!this.windowNames.includes(name)) {
        this.windowNames.push(name)
        this.layoutVersion++
      }
    }
    ring.push(end, mean, std)
    s.version++
  }

  private addAnomaly(key: string, ev: AnomalyEvent): void {
    const s = this.sensor(key)
    if (s === undefined) return
    s.anomalies.push(ev)
    if (s.anomalies.length > this.anomalyCapacity) s.anomalies.shift()
    this.recentAnomalies.push({ key, ev })
    if (this.recentAnomalies.length > this.anomalyCapacity) this.recentAnomalies.shift()
    s.version++
  }

  private setService(row: ServiceRow): void {
    const id = `${row.service}/${row.instance}`
    if (!this.services.has(id) && this.services.size >= this.maxServices) return
    this.services.set(id, row)
    this.servicesVersion++
  }

  /** Starts over from a snapshot (a new or re-established connection). */
  applySnapshot(snap: Snapshot): void {
    if (snap.config.ringCapacity !== this.options.ringCapacity) {
      this.options = { ...this.options, ringCapacity: snap.config.ringCapacity }
      this.sensors.clear()
    }
    for (const s of this.sensors.values()) {
      s.samples.clear()
      s.windows.clear()
      s.anomalies.length = 0
      s.undrawn.length = 0
      s.version++
    }
    this.recentAnomalies.length = 0
    this.services.clear()
    for (const [key, cols] of Object.entries(snap.raw)) this.addSamples(key, cols, false)
    for (const w of snap.windows) this.addWindow(w.key, w.name, w.agg.end, w.agg.mean, w.agg.std)
    for (const a of snap.anomalies) this.addAnomaly(a.key, a.ev)
    for (const row of snap.services) this.setService(row)
    this.layoutVersion++
    this.servicesVersion++
  }

  /** Applies one frame. */
  applyFrame(frame: Frame): void {
    for (const [key, cols] of Object.entries(frame.raw)) this.addSamples(key, cols, true)
    for (const w of frame.windows) this.addWindow(w.key, w.name, w.agg.end, w.agg.mean, w.agg.std)
    for (const a of frame.anomalies) this.addAnomaly(a.key, a.ev)
    for (const row of frame.services) this.setService(row)
    this.decimated += frame.decimated
  }

  /** Sorted sensor keys. */
  keys(): string[] {
    return [...this.sensors.keys()].sort()
  }

  /** Sorted device ids. */
  devices(): string[] {
    return [...new Set([...this.sensors.values()].map((s) => s.device))].sort()
  }
}
