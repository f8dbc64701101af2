/**
 * @module handlers/sys
 * The dashboard's subscription to every service's status and metrics, kept per service instance in the
 * live state.
 */
import {
  decodeMetrics,
  decodeStatus,
  metricsFilter,
  parseTopic,
  statusFilter,
  type ServiceMetrics,
  type ServiceStatus,
} from '@sluice/contract'
import type { HopDecodeResult, ServiceContext } from '@sluice/mesh'
import type { DashboardConfigSchema } from '../config.js'
import type { LiveState } from '../server/live-state.js'
import { notOurs } from './hop-helpers.js'

type SysItem =
  | {
      readonly kind: 'status'
      readonly service: string
      readonly instance: string
      readonly status: ServiceStatus
    }
  | {
      readonly kind: 'metrics'
      readonly service: string
      readonly instance: string
      readonly metrics: ServiceMetrics
    }

/** Subscribes the `sys` hop; `now()` stamps when each status or metrics arrived. */
export function subscribeSys(
  ctx: ServiceContext<typeof DashboardConfigSchema>,
  live: LiveState,
  now: () => number,
): void {
  const { prefix } = ctx
  ctx.inbound<SysItem>({
    name: 'sys',
    qos: 1,
    queue: { capacity: 5_000, policy: 'drop-oldest' },
    filters: [statusFilter(prefix), metricsFilter(prefix)],
    decode: (topic, payload): HopDecodeResult<SysItem> => {
      const p = parseTopic(prefix, topic)
      if (p?.kind === 'status') {
        const r = decodeStatus(payload)
        return r.ok
          ? [{ kind: 'status', service: p.service, instance: p.instance, status: r.value }]
          : r
      }
      if (p?.kind === 'metrics') {
        const r = decodeMetrics(payload)
        return r.ok
          ? [{ kind: 'metrics', service: p.service, instance: p.instance, metrics: r.value }]
          : r
      }
      return notOurs(topic)
    },
    seq: () => undefined,
    ingest: () => undefined,
    handle: (_key, items) => {
      for (const it of items) {
        if (it.kind === 'status') live.setStatus(it.service, it.instance, it.status, now())
        else live.setMetrics(it.service, it.instance, it.metrics, now())
      }
    },
  })
}
