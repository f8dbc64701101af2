/**
 * @module publish/device-metrics
 * Backpressure to the device made visible (DESIGN.md §5, §6): the serial bridge reports its device as one
 * more hop, `device`, in its metrics, next to `raw`. Its counters are the device's lines as samples (one
 * per channel value): `in` read, `out` passed on, `dropped.edge` dropped at the edge while an unresponsive
 * device is throttled there, `rejected` bad lines; λ and μ are their rates over the last interval. Its
 * `device` figures say who pushes back (`pressure`), what the governor does about it (`mode`), and the
 * rates (target, applied, acknowledged). State: `critical` when more than 1% was dropped at the edge in the
 * interval (as for any hop), `warning` while the rate is lowered, else `ok`.
 */
import type { HopMetrics } from '@sluice/contract'

/** What the serial source reports about backpressure to its device. */
export interface DeviceBackpressure {
  readonly id: string
  /** free: the asked-for rate; throttled: lowered by R<hz>; edge: the device does not answer. */
  readonly mode: 'free' | 'throttled' | 'edge'
  readonly pressure: 'none' | 'queue' | 'downstream'
  readonly targetHz: number | undefined
  readonly appliedHz: number | undefined
  readonly ackedHz: number | undefined
  /** Rate steps taken because of pressure (cumulative). */
  readonly commands: number
  /** Samples read from the device (cumulative), before the edge gate. */
  readonly samplesIn: number
  /** Samples dropped at the edge (cumulative). */
  readonly edgeDropped: number
  /** Lines rejected as invalid (cumulative). */
  readonly rejected: number
}

/** A metrics source for the mesh runtime (`ctx.addMetricsSource`). */
export interface DeviceMetricsSource {
  readonly name: 'device'
  metrics(): HopMetrics
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000

/**
 * Creates the `device` metrics source over a reader of the source's figures.
 *
 * @example
 * ```ts
 * ctx.addMetricsSource(createDeviceMetrics(() => serialSource.backpressure()))
 * ```
 */
export function createDeviceMetrics(
  read: () => DeviceBackpressure,
  now: () => number = () => performance.now(),
): DeviceMetricsSource {
  let last: { at: number; in: number; dropped: number } | undefined
  return {
    name: 'device',
    metrics() {
      const b = read()
      const t = now()
      const out = b.samplesIn - b.edgeDropped
      const m: HopMetrics = {
        direction: 'in',
        qos: 0,
        // The edge gate refuses arrivals, as drop-newest does.
        policy: 'drop-newest',
        in: b.samplesIn,
        out,
        dropped: b.edgeDropped > 0 ? { edge: b.edgeDropped } : {},
        rejected: b.rejected,
        queue: { length: 0, capacity: 0 },
        state: 'ok',
        device: {
          id: b.id,
          mode: b.mode,
          pressure: b.pressure,
          ...(b.targetHz !== undefined ? { targetHz: b.targetHz } : {}),
          ...(b.appliedHz !== undefined ? { appliedHz: b.appliedHz } : {}),
          ...(b.ackedHz !== undefined ? { ackedHz: b.ackedHz } : {}),
          commands: b.commands,
          edgeDropped: b.edgeDropped,
        },
      }
      let dropShare = 0
      if (last !== undefined && t > last.at) {
        const arrived = b.samplesIn - last.in
        const dropped = b.edgeDropped - last.dropped
        m.lambda = r3((arrived * 1000) / (t - last.at))
        m.mu = r3(((arrived - dropped) * 1000) / (t - last.at))
        dropShare = arrived > 0 ? dropped / arrived : 0
      }
      last = { at: t, in: b.samplesIn, dropped: b.edgeDropped }
      // DESIGN.md §6: critical once the drop rate is over 1%.
      m.state = dropShare > 0.01 ? 'critical' : b.mode === 'free' ? 'ok' : 'warning'
      return m
    },
  }
}
