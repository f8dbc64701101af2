/**
 * @module server/live-state
 * What the dashboard server knows, bounded everywhere (DESIGN.md §5: nothing grows without a limit): per
 * sensor, the raw samples that arrived since the last frame and a ring of recent history; recent window
 * aggregates and anomaly events; and the last status and metrics of every service instance. `takeFrame`
 * cuts what arrived into one {@link Frame} for the browsers, decimating a sensor that sent more than a
 * frame may carry, and forgets a sensor that has been quiet for `expireAfterMs` (its history would
 * otherwise stay for good: sensors come and go, issue 11); `snapshot` is what a page that connects starts
 * from, whole or a share of it. Pure: no I/O, time passed in.
 */
import type { AnomalyEvent, ServiceMetrics, ServiceStatus, WindowAggregate } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import type {
  AnomalyUpdate,
  Frame,
  PageConfig,
  SampleColumns,
  ServiceRow,
  Snapshot,
  WindowUpdate,
} from '../protocol.js'
import { SampleRing } from '../sample-ring.js'
import { decimateMinMax } from './decimate.js'

/** Bounds of {@link createLiveState}. */
export interface LiveStateOptions {
  /** Most raw samples per sensor in one frame (min/max decimation beyond). */
  readonly maxSamplesPerFrame: number
  /** Raw samples per sensor kept for the snapshot. */
  readonly historySamples: number
  /** Most sensors tracked; samples of further sensors are counted and ignored. */
  readonly maxSensors: number
  /** Most service instances tracked. */
  readonly maxServices: number
  /** Window aggregates kept for the snapshot (all sensors). Default 4096. */
  readonly windowHistory?: number
  /** Anomaly events kept for the snapshot (all sensors). Default 512. */
  readonly anomalyHistory?: number
  /**
   * A sensor that sent nothing (samples, aggregates or events) for this long is forgotten, history and all,
   * at the next frame; 0 keeps sensors for good. Default 0.
   */
  readonly expireAfterMs?: number
}

/** Counters of what the live state left out. */
export interface LiveStateStats {
  readonly sensors: number
  readonly services: number
  /** Raw samples not sent because of decimation. */
  readonly decimated: number
  /** Samples, aggregates and events ignored because the sensor or service limit was reached. */
  readonly overLimit: number
  /** Window aggregates and anomaly events dropped from a full frame. */
  readonly frameOverflow: number
  /** Sensors forgotten after `expireAfterMs` of silence (cumulative). */
  readonly expired: number
}

/** The dashboard server's bounded state. */
export interface LiveState {
  addSamples(key: string, samples: readonly Sample[]): void
  addWindow(key: string, name: string, agg: WindowAggregate): void
  addAnomaly(key: string, ev: AnomalyEvent): void
  setStatus(service: string, instance: string, status: ServiceStatus, now: number): void
  setMetrics(service: string, instance: string, metrics: ServiceMetrics, now: number): void
  /** Everything since the last frame, or `undefined` when nothing arrived. */
  takeFrame(now: number): Frame | undefined
  /**
   * What a page starts from. `share` (0 to 1, default 1) keeps that share of it, so that it fits a size:
   * each sensor's history min/max-decimated to that share of its samples, and the newest share of the
   * aggregates and events; at 0 only the config and the services.
   */
  snapshot(config: PageConfig, share?: number): Snapshot
  readonly stats: LiveStateStats
}

/** A ring of objects, oldest first. */
class ObjectRing<T> {
  private readonly items: (T | undefined)[]
  private head = 0
  private size = 0
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity)
  }
  /** Adds `item`; returns true when the oldest had to go. */
  push(item: T): boolean {
    if (this.capacity === 0) return true
    this.items[(this.head + this.size) % this.capacity] = item
    if (this.size < this.capacity) {
      this.size++
      return false
    }
    this.head = (this.head + 1) % this.capacity
    return true
  }
  /** The newest `count` items (all by default), oldest first. */
  toArray(count = this.size): T[] {
    const out: T[] = []
    for (let n = Math.max(0, this.size - count); n < this.size; n++)
      out.push(this.items[(this.head + n) % this.capacity]!)
    return out
  }
  clear(): void {
    this.items.fill(undefined)
    this.head = 0
    this.size = 0
  }
  get length(): number {
    return this.size
  }
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

interface MutableServiceRow {
  service: string
  instance: string
  status?: ServiceStatus
  metrics?: ServiceMetrics
  seenAt: number
}

const emptyColumns = (): SampleColumns => ({ seq: [], t: [], v: [], i: [] })

/**
 * Creates the dashboard server's bounded state.
 *
 * @example
 * ```ts
 * const live = createLiveState({ maxSamplesPerFrame: 64, historySamples: 1200, maxSensors: 2000, maxServices: 512 })
 * live.addSamples('uno/light', [{ seq: 1, t: 1000, value: 450, ingest: 1000.5 }])
 * const frame = live.takeFrame(Date.now()) // { raw: { 'uno/light': { seq: [1], … } }, … }
 * ```
 */
export function createLiveState(options: LiveStateOptions): LiveState {
  const { maxSamplesPerFrame, historySamples, maxSensors, maxServices } = options
  const expireAfterMs = options.expireAfterMs ?? 0
  // A sensor's pending run is decimated once it reaches this, so a burst between two frames stays bounded.
  const pendingCap = Math.max(maxSamplesPerFrame * 8, 256)
  const sensors = new Map<string, SensorState>()
  const services = new Map<string, MutableServiceRow>()
  const changedServices = new Set<string>()
  const windowHistory = new ObjectRing<WindowUpdate>(options.windowHistory ?? 4096)
  const anomalyHistory = new ObjectRing<AnomalyUpdate>(options.anomalyHistory ?? 512)
  // The frame's own lists are bounded like the histories; an overflowing frame loses its oldest entries.
  const pendingWindows = new ObjectRing<WindowUpdate>(options.windowHistory ?? 4096)
  const pendingAnomalies = new ObjectRing<AnomalyUpdate>(options.anomalyHistory ?? 512)
  let decimated = 0
  let overLimit = 0
  let frameOverflow = 0
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

  function serviceRow(
    service: string,
    instance: string,
    now: number,
  ): MutableServiceRow | undefined {
    const id = `${service}/${instance}`
    let row = services.get(id)
    if (row === undefined) {
      if (services.size >= maxServices) return undefined
      row = { service, instance, seenAt: now }
      services.set(id, row)
    }
    row.seenAt = now
    changedServices.add(id)
    return row
  }

  function rows(ids: Iterable<string>): ServiceRow[] {
    const out: ServiceRow[] = []
    for (const id of ids) {
      const r = services.get(id)
      if (r !== undefined) out.push({ ...r })
    }
    return out
  }

  return {
    addSamples(key, samples) {
      const s = sensor(key)
      if (s === undefined) {
        overLimit += samples.length
        return
      }
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
    },
    addWindow(key, name, agg) {
      if (sensor(key) === undefined) {
        overLimit++
        return
      }
      const u = { key, name, agg }
      windowHistory.push(u)
      if (pendingWindows.push(u)) frameOverflow++
    },
    addAnomaly(key, ev) {
      if (sensor(key) === undefined) {
        overLimit++
        return
      }
      const u = { key, ev }
      anomalyHistory.push(u)
      if (pendingAnomalies.push(u)) frameOverflow++
    },
    setStatus(service, instance, status, now) {
      const row = serviceRow(service, instance, now)
      if (row === undefined) overLimit++
      else row.status = status
    },
    setMetrics(service, instance, metrics, now) {
      const row = serviceRow(service, instance, now)
      if (row === undefined) overLimit++
      else row.metrics = metrics
    },
    takeFrame(now) {
      const raw: Record<string, SampleColumns> = {}
      let any = false
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
        any = true
      }
      decimated += frameDecimated
      if (
        !any &&
        pendingWindows.length === 0 &&
        pendingAnomalies.length === 0 &&
        changedServices.size === 0
      )
        return undefined
      const frame: Frame = {
        t: now,
        raw,
        windows: pendingWindows.toArray(),
        anomalies: pendingAnomalies.toArray(),
        services: rows(changedServices),
        decimated: frameDecimated,
      }
      pendingWindows.clear()
      pendingAnomalies.clear()
      changedServices.clear()
      return frame
    },
    snapshot(config, share = 1) {
      const part = Math.min(1, Math.max(0, share))
      const raw: Record<string, SampleColumns> = {}
      if (part > 0) {
        for (const [key, s] of sensors) {
          const all = s.history.columns()
          raw[key] = part < 1 ? decimateMinMax(all, Math.ceil(all.v.length * part)) : all
        }
      }
      return {
        config,
        raw,
        windows: windowHistory.toArray(Math.floor(windowHistory.length * part)),
        anomalies: anomalyHistory.toArray(Math.floor(anomalyHistory.length * part)),
        services: rows(services.keys()),
      }
    },
    get stats() {
      return {
        sensors: sensors.size,
        services: services.size,
        decimated,
        overLimit,
        frameOverflow,
        expired,
      }
    },
  }
}
