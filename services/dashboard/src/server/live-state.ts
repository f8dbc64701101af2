/**
 * @module server/live-state
 * What the dashboard server knows, bounded everywhere (DESIGN.md §5: nothing grows without a limit): per
 * sensor, the raw samples that arrived since the last frame and a ring of recent history; recent window
 * aggregates and anomaly events; and the last status and metrics of every service instance. `takeFrame`
 * cuts what arrived into one {@link Frame} for the browsers, decimating a sensor that sent more than a
 * frame may carry, and forgets a sensor that has been quiet for `expireAfterMs` (its history would
 * otherwise stay for good: sensors come and go, issue 11); `snapshot` is what a page that connects starts
 * from, whole or a share of it. The sensors are kept by server/live-sensors, the service instances by
 * server/live-services. Pure: no I/O, time passed in.
 */
import type { AnomalyEvent, ServiceMetrics, ServiceStatus, WindowAggregate } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import type { AnomalyUpdate, Frame, PageConfig, Snapshot, WindowUpdate } from '../protocol.js'
import { createLiveServices } from './live-services.js'
import { createLiveSensors } from './live-sensors.js'

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
  /**
   * Called whenever something is kept (samples, an aggregate, an event, a status or metrics): the frame pacer's cue (server/frame-pacer). Called once per call, so keep it O(1).
   */
  readonly onChange?: () => void
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
  const sensors = createLiveSensors({
    maxSamplesPerFrame: options.maxSamplesPerFrame,
    historySamples: options.historySamples,
    maxSensors: options.maxSensors,
    expireAfterMs: options.expireAfterMs ?? 0,
  })
  const services = createLiveServices(options.maxServices)
  const windowHistory = new ObjectRing<WindowUpdate>(options.windowHistory ?? 4096)
  const anomalyHistory = new ObjectRing<AnomalyUpdate>(options.anomalyHistory ?? 512)
  // The frame's own lists are bounded like the histories; an overflowing frame loses its oldest entries.
  const pendingWindows = new ObjectRing<WindowUpdate>(options.windowHistory ?? 4096)
  const pendingAnomalies = new ObjectRing<AnomalyUpdate>(options.anomalyHistory ?? 512)
  let overLimit = 0
  let frameOverflow = 0
  const changed = options.onChange ?? (() => undefined)

  return {
    addSamples(key, samples) {
      if (sensors.addSamples(key, samples)) changed()
      else overLimit += samples.length
    },
    addWindow(key, name, agg) {
      if (!sensors.touch(key)) {
        overLimit++
        return
      }
      const u = { key, name, agg }
      windowHistory.push(u)
      if (pendingWindows.push(u)) frameOverflow++
      changed()
    },
    addAnomaly(key, ev) {
      if (!sensors.touch(key)) {
        overLimit++
        return
      }
      const u = { key, ev }
      anomalyHistory.push(u)
      if (pendingAnomalies.push(u)) frameOverflow++
      changed()
    },
    setStatus(service, instance, status, now) {
      const row = services.row(service, instance, now)
      if (row === undefined) {
        overLimit++
        return
      }
      row.status = status
      changed()
    },
    setMetrics(service, instance, metrics, now) {
      const row = services.row(service, instance, now)
      if (row === undefined) {
        overLimit++
        return
      }
      row.metrics = metrics
      changed()
    },
    takeFrame(now) {
      const { raw, decimated } = sensors.cutFrame(now)
      if (
        Object.keys(raw).length === 0 &&
        pendingWindows.length === 0 &&
        pendingAnomalies.length === 0 &&
        !services.changed
      )
        return undefined
      const frame: Frame = {
        t: now,
        raw,
        windows: pendingWindows.toArray(),
        anomalies: pendingAnomalies.toArray(),
        services: services.takeChanged(),
        decimated,
      }
      pendingWindows.clear()
      pendingAnomalies.clear()
      return frame
    },
    snapshot(config, share = 1) {
      const part = Math.min(1, Math.max(0, share))
      return {
        config,
        raw: sensors.history(part),
        windows: windowHistory.toArray(Math.floor(windowHistory.length * part)),
        anomalies: anomalyHistory.toArray(Math.floor(anomalyHistory.length * part)),
        services: services.all(),
      }
    },
    get stats() {
      return {
        sensors: sensors.size,
        services: services.size,
        decimated: sensors.decimated,
        overLimit,
        frameOverflow,
        expired: sensors.expired,
      }
    },
  }
}
