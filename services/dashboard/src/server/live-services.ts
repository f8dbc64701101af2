/**
 * @module server/live-services
 * The services part of the dashboard server's live state (see server/live-state): the last status and
 * metrics of every service instance, at most `maxServices`, and which changed since the last frame.
 */
import type { ServiceMetrics, ServiceStatus } from '@sluice/contract'
import type { ServiceRow } from '../protocol.js'

/** A tracked service instance, updated in place. */
export interface MutableServiceRow {
  service: string
  instance: string
  status?: ServiceStatus
  metrics?: ServiceMetrics
  seenAt: number
}

/** The tracked service instances. */
export interface LiveServices {
  /** The row of an instance seen at `now`, marked changed; undefined when over `maxServices`. */
  row(service: string, instance: string, now: number): MutableServiceRow | undefined
  /** True when a row changed since the last {@link LiveServices.takeChanged}. */
  readonly changed: boolean
  /** Copies of the rows changed since the last call. */
  takeChanged(): ServiceRow[]
  /** Copies of every row. */
  all(): ServiceRow[]
  /** Instances tracked. */
  readonly size: number
}

/** Creates the tracked service instances, none yet. */
export function createLiveServices(maxServices: number): LiveServices {
  const services = new Map<string, MutableServiceRow>()
  const changedServices = new Set<string>()

  function rows(ids: Iterable<string>): ServiceRow[] {
    const out: ServiceRow[] = []
    for (const id of ids) {
      const r = services.get(id)
      if (r !== undefined) out.push({ ...r })
    }
    return out
  }

  return {
    row(service, instance, now) {
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
    },
    get changed() {
      return changedServices.size > 0
    },
    takeChanged() {
      const out = rows(changedServices)
      changedServices.clear()
      return out
    },
    all: () => rows(services.keys()),
    get size() {
      return services.size
    },
  }
}
