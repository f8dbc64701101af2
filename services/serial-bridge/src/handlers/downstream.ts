/**
 * @module handlers/downstream
 * The second input of backpressure to the device (DESIGN.md §5, §6): every service publishes its hops'
 * metrics on `{p}/_sys/{service}/{instance}/metrics`, each with a `state`. A consumer that is `critical`
 * (its queue over 95% full, or dropping more than 1%) on a hop that subscribes to this bridge's raw topics
 * means the mesh cannot keep up with the device, even if the bridge's own queue drains fine. The bridge
 * subscribes to the metrics of everyone, and while such a report is fresh (`ttlMs`; a consumer that died
 * critical must not hold the device down forever) the governor sees full pressure. A later report of the
 * same instance without a critical consumer of ours clears it at once.
 */
import {
  decodeMetrics,
  metricsFilter,
  rawTopic,
  topicMatches,
  type ServiceMetrics,
} from '@sluice/contract'
import type { InboundHopSpec } from '@sluice/mesh'

/** Options of {@link createDownstreamPressure}. */
export interface DownstreamPressureOptions {
  readonly prefix: string
  readonly devices: readonly string[]
  /** The channels published now (a replay learns them from its file). */
  readonly channels: () => readonly string[]
  /** How long a critical report counts without a newer one, ms (default 3000: three metrics intervals). */
  readonly ttlMs?: number
}

/** Critical consumers of this bridge's raw topics, as their metrics report them. */
export interface DownstreamPressure {
  /** Takes one metrics message, received at `now`. */
  report(metrics: ServiceMetrics, now: number): void
  /** One critical consumer reported within the TTL, as `service/instance hop`, or undefined. */
  critical(now: number): string | undefined
}

/**
 * Creates the tracker of downstream pressure.
 *
 * @example
 * ```ts
 * const downstream = createDownstreamPressure({ prefix: 'sluice', devices: ['arduino'], channels: () => ['light'] })
 * downstream.report(metricsMessage, Date.now())
 * downstream.critical(Date.now()) // 'windowing/c1 raw'
 * ```
 */
export function createDownstreamPressure(options: DownstreamPressureOptions): DownstreamPressure {
  const ttlMs = options.ttlMs ?? 3000
  const critical = new Map<string, { hop: string; until: number }>()

  const consumesOurs = (topic: string | undefined): boolean => {
    if (topic === undefined) return false
    const filters = topic.split(',')
    const channels = options.channels()
    for (const device of options.devices)
      for (const channel of channels.length > 0 ? channels : ['_'])
        if (filters.some((f) => topicMatches(f, rawTopic(options.prefix, device, channel))))
          return true
    return false
  }

  return {
    report(metrics, now) {
      const instance = `${metrics.service}/${metrics.instance}`
      const hop = Object.entries(metrics.hops).find(
        ([, h]) => h.direction === 'in' && h.state === 'critical' && consumesOurs(h.topic),
      )
      if (hop === undefined) critical.delete(instance)
      else critical.set(instance, { hop: `${instance} ${hop[0]}`, until: now + ttlMs })
    },
    critical(now) {
      for (const [instance, c] of critical) {
        if (c.until > now) return c.hop
        critical.delete(instance)
      }
      return undefined
    },
  }
}

/**
 * The metrics subscription's declaration: QoS 0 (metrics are stale within a second anyway), a small
 * drop-oldest queue, every service's metrics.
 *
 * @example
 * ```ts
 * ctx.inbound(downstreamHopSpec(ctx.prefix, (m) => downstream.report(m, Date.now())))
 * ```
 */
export function downstreamHopSpec(
  prefix: string,
  onMetrics: (metrics: ServiceMetrics) => void,
): InboundHopSpec<ServiceMetrics> {
  return {
    name: 'downstream',
    qos: 0,
    queue: { capacity: 256, policy: 'drop-oldest' },
    filters: [metricsFilter(prefix)],
    decode: (_topic, payload) => {
      const r = decodeMetrics(payload)
      return r.ok ? { ok: true, value: [r.value] } : r
    },
    key: (_topic, m) => `${m.service}/${m.instance}`,
    seq: () => undefined,
    ingest: () => undefined,
    handle: (_key, items) => {
      const last = items[items.length - 1]
      if (last !== undefined) onMetrics(last)
    },
  }
}
