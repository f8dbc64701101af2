/**
 * @module protocol
 * What the dashboard server sends to the browser over Server-Sent Events, shared by both sides (types only,
 * browser-safe). The server batches everything that arrived during one frame period into one `frame` event
 * (raw samples as columns, which are compact in JSON and drop straight into the browser's ring buffers), so
 * 100 sensors at 10 Hz are 10 small messages a second, not 1 000. A page that connects, or reconnects, first
 * gets a `snapshot`: the current services, recent history and recent anomalies, and resets its state to it.
 */
import type { AnomalyEvent, ServiceMetrics, ServiceStatus, WindowAggregate } from '@sluice/contract'

/** Raw samples of one sensor, as parallel columns of equal length. */
export interface SampleColumns {
  readonly seq: number[]
  readonly t: number[]
  readonly v: number[]
  /** Ingest time at the bridge (ms since the epoch), for sensor-to-screen latency. */
  readonly i: number[]
}

/** One window aggregate of one sensor. */
export interface WindowUpdate {
  readonly key: string
  readonly name: string
  readonly agg: WindowAggregate
}

/** One anomaly event of one sensor. */
export interface AnomalyUpdate {
  readonly key: string
  readonly ev: AnomalyEvent
}

/** The last known state of one service instance. */
export interface ServiceRow {
  readonly service: string
  readonly instance: string
  readonly status?: ServiceStatus
  readonly metrics?: ServiceMetrics
  /** When the dashboard last heard from it (ms since the epoch). */
  readonly seenAt: number
}

/** Everything that arrived since the previous frame (server/frame-pacer says when one goes out). */
export interface Frame {
  /** Server time the frame was cut (ms since the epoch). */
  readonly t: number
  readonly raw: Record<string, SampleColumns>
  readonly windows: WindowUpdate[]
  readonly anomalies: AnomalyUpdate[]
  /** Service instances whose status or metrics changed. */
  readonly services: ServiceRow[]
  /** Raw samples left out of this frame by decimation (they are still in every chart's min/max). */
  readonly decimated: number
}

/** Settings the page needs, sent with the snapshot. */
export interface PageConfig {
  readonly prefix: string
  /**
   * The config's `frameMs`: the longest a sample lingers for a busy page (adaptive pacing) or the period
   * (fixed); frames come as data does, so the page assumes no period.
   */
  readonly frameMs: number
  readonly ringCapacity: number
  readonly instance: string
}

/** The state a page starts from. */
export interface Snapshot {
  readonly config: PageConfig
  readonly raw: Record<string, SampleColumns>
  readonly windows: WindowUpdate[]
  readonly anomalies: AnomalyUpdate[]
  readonly services: ServiceRow[]
}

/** A rate command as the page posts it to `/api/rate`. */
export interface RateRequestBody {
  readonly device: string
  readonly hz: number
}
