/**
 * @module metrics
 * Publishes a service's metrics every `metricsIntervalMs` on `{prefix}/_sys/{service}/{instance}/metrics`
 * (DESIGN.md §6): one entry per hop (counters, queue, λ, μ, ρ, W, L next to the measured mean queue
 * length, latency percentiles, state, gaps, unexplained loss) and a few process figures. QoS 0 and only
 * while connected: a metrics message that cannot go out now is stale by the next interval anyway.
 */
import {
  encodeText,
  metricsTopic,
  type GroupMetrics,
  type HopMetrics,
  type ServiceMetrics,
} from '@sluice/contract'
import { createSampledLog, silentLogger, type MeshLogger } from './logger.js'
import { holdLoopDelayMonitor, readProcessFigures } from './process-figures.js'
import { everyInterval } from './shared-interval.js'
import type { Transport } from './transport/transport.js'

/** Anything that reports hop metrics. */
export interface MetricsSource {
  readonly name: string
  metrics(): HopMetrics
}

/** Options for {@link createMetricsPublisher}. */
export interface MetricsPublisherOptions {
  readonly service: string
  readonly instance: string
  readonly prefix: string
  readonly transport: Transport
  readonly intervalMs: number
  /** The hops, read at every interval (hops can come and go). */
  readonly sources: () => Iterable<MetricsSource>
  /** The `group` section (who owns what), when the service shares work in a group. */
  readonly group?: () => GroupMetrics | undefined
  readonly log?: MeshLogger
  /** Gets every payload built (e.g. the Prometheus endpoint, so a scrape equals the MQTT message). */
  readonly onCollect?: (payload: ServiceMetrics) => void
}

/** A metrics publisher. */
export interface MetricsPublisher {
  /** Builds one metrics payload now (and starts the next interval of every hop). */
  collect(): ServiceMetrics
  /** Publishes one payload now; resolves when written (or at once when offline). */
  publishNow(): Promise<void>
  start(): void
  stop(): void
}

/**
 * Creates a metrics publisher.
 *
 * @example
 * ```ts
 * const m = createMetricsPublisher({ service: 'windowing', instance: 'w1', prefix: 'sluice', transport,
 *   intervalMs: 1000, sources: () => hops.values() })
 * m.start()
 * ```
 */
export function createMetricsPublisher(options: MetricsPublisherOptions): MetricsPublisher {
  const log = options.log ?? silentLogger
  const topic = metricsTopic(options.prefix, options.service, options.instance)
  let releaseMonitor: (() => void) | undefined
  const warnSourceFailed = createSampledLog(log, 'warn', 100)
  let stopTimer: (() => void) | undefined

  function collect(): ServiceMetrics {
    const hops: Record<string, HopMetrics> = {}
    for (const s of options.sources()) {
      // A throwing source (e.g. one a service added) must not cost the other hops their metrics, nor
      // reject the interval's un-awaited publishNow() (an unhandled rejection ends the process).
      try {
        hops[s.name] = s.metrics()
      } catch (err) {
        warnSourceFailed({ err, source: s.name }, 'a metrics source failed; it is left out')
      }
    }
    const payload: ServiceMetrics = {
      service: options.service,
      instance: options.instance,
      t: Date.now(),
      hops,
      // Measured once per process: another publisher in it may have closed the window a moment ago,
      // and half an interval is then recent enough (process-figures.ts).
      process: { ...readProcessFigures(options.intervalMs / 2) },
    }
    const group = options.group?.()
    if (group !== undefined) payload.group = group
    options.onCollect?.(payload)
    return payload
  }

  async function publishNow(): Promise<void> {
    const payload = collect()
    if (!options.transport.connected) return
    try {
      await options.transport.publish(topic, encodeText(payload), { qos: 0 })
    } catch (err) {
      log.debug({ err }, 'metrics not published')
    }
  }

  return {
    collect,
    publishNow,
    start() {
      if (stopTimer !== undefined) return
      releaseMonitor = holdLoopDelayMonitor()
      // The services of one process publish on one timer (shared-interval.ts).
      stopTimer = everyInterval(options.intervalMs, () => void publishNow())
    },
    stop() {
      stopTimer?.()
      stopTimer = undefined
      releaseMonitor?.()
      releaseMonitor = undefined
    },
  }
}
