/**
 * @module handlers/anomalies
 * The dashboard's subscription to anomaly events, kept per sensor in the live state.
 */
import { anomalyFilter, decodeAnomaly, type AnomalyEvent } from '@sluice/contract'
import type { ServiceContext } from '@sluice/mesh'
import type { DashboardConfigSchema } from '../config.js'
import type { LiveState } from '../server/live-state.js'
import { addCountingRefused } from './hop-helpers.js'

/** Subscribes the `anomalies` hop. */
export function subscribeAnomalies(
  ctx: ServiceContext<typeof DashboardConfigSchema>,
  live: LiveState,
): void {
  const { config, prefix } = ctx
  ctx.inbound<AnomalyEvent>({
    name: 'anomalies',
    qos: 1,
    queue: { capacity: 2_000, policy: 'drop-oldest' },
    filters: config.devices.map((d) => anomalyFilter(prefix, d)),
    decode: (_topic, payload) => {
      const r = decodeAnomaly(payload)
      return r.ok ? [r.value] : r
    },
    // Events are sparse in `seq` by nature: gaps between them are not loss.
    seq: () => undefined,
    handle: (key, events, batch) => {
      addCountingRefused(live, batch, () => {
        for (const ev of events) live.addAnomaly(key, ev)
      })
    },
  })
}
