/**
 * @module handlers/raw
 * The dashboard's subscription to raw samples: per-channel raw topics, and the device-level topic of
 * devices publishing directly, into the live state.
 */
import { deviceRawFilter, rawFilter } from '@sluice/contract'
import type { ServiceContext } from '@sluice/mesh'
import type { DashboardConfigSchema } from '../config.js'
import type { LiveState } from '../server/live-state.js'
import { addCountingRefused } from './hop-helpers.js'

/** Subscribes the `raw` hop. */
export function subscribeRaw(
  ctx: ServiceContext<typeof DashboardConfigSchema>,
  live: LiveState,
): void {
  const { config, prefix } = ctx
  ctx.inbound({
    name: 'raw',
    qos: 0,
    queue: { capacity: 50_000, policy: 'drop-oldest' },
    // Per-channel raw topics, and the device-level topic of devices publishing directly.
    filters: config.devices.flatMap((d) => [rawFilter(prefix, d), deviceRawFilter(prefix, d)]),
    handle: (key, samples, batch) => {
      addCountingRefused(live, batch, () => live.addSamples(key, samples))
    },
  })
}
