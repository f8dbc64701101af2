/**
 * @module handlers/windows
 * The dashboard's subscription to window aggregates, each kept under its window name in the live state.
 */
import { decodeWindows, parseTopic, windowFilter, type WindowAggregate } from '@sluice/contract'
import type { ServiceContext } from '@sluice/mesh'
import type { DashboardConfigSchema } from '../config.js'
import type { LiveState } from '../server/live-state.js'
import { addCountingRefused, notOurs } from './hop-helpers.js'

/** Subscribes the `windows` hop. */
export function subscribeWindows(
  ctx: ServiceContext<typeof DashboardConfigSchema>,
  live: LiveState,
): void {
  const { config, prefix } = ctx
  ctx.inbound<{ readonly name: string; readonly agg: WindowAggregate }>({
    name: 'windows',
    qos: 0,
    queue: { capacity: 10_000, policy: 'drop-oldest' },
    filters: config.devices.map((d) => windowFilter(prefix, d)),
    decode: (topic, payload) => {
      const p = parseTopic(prefix, topic)
      if (p?.kind !== 'window') return notOurs(topic)
      const r = decodeWindows(payload)
      return r.ok ? r.value.map((agg) => ({ name: p.name, agg })) : r
    },
    ingest: (w) => w.agg.ingestMax,
    handle: (key, items, batch) => {
      addCountingRefused(live, batch, () => {
        for (const w of items) live.addWindow(key, w.name, w.agg)
      })
    },
  })
}
