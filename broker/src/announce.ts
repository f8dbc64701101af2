/**
 * @module announce
 * What the broker publishes about itself, as every Sluice service does (DESIGN.md §3, §6): a retained
 * status on `{p}/_sys/broker/{instance}/status` (online at start, offline at close) and its metrics on
 * `{p}/_sys/broker/{instance}/metrics` every `metricsIntervalMs`, also handed to the Prometheus exporter
 * when one runs, so a scrape and the MQTT message agree. The broker publishes through itself, at QoS 0.
 */
import { hostname } from 'node:os'
import {
  metricsTopic,
  statusTopic,
  type ServiceMetrics,
  type ServiceStatus,
} from '@sluice/contract'
import type { Aedes } from 'aedes'
import type { BrokerMetrics } from './metrics.js'
import type { BrokerLogger } from './options.js'
import { BROKER_VERSION } from './version.js'

/** What {@link createAnnouncer} needs. */
export interface AnnouncerOptions {
  readonly prefix: string
  readonly instance: string
  /** 0 = no metrics messages. */
  readonly metricsIntervalMs: number
  readonly log: BrokerLogger
}

/** Publishes the broker's status and metrics. */
export interface Announcer {
  /** Publishes the retained online status. */
  online(): Promise<void>
  /** Publishes `metrics()` every interval (and to `exporter`), until {@link Announcer.offline}. */
  startMetrics(
    metrics: () => BrokerMetrics,
    exporter: { update(message: ServiceMetrics): void } | undefined,
  ): void
  /** Stops the metrics and publishes the retained offline status. */
  offline(): Promise<void>
}

/**
 * Creates the announcer of a running Aedes.
 *
 * @example
 * ```ts
 * const announce = createAnnouncer(aedes, { prefix: 'sluice', instance: 'b1', metricsIntervalMs: 1000, log })
 * await announce.online()
 * announce.startMetrics(metrics, undefined)
 * ```
 */
export function createAnnouncer(aedes: Aedes, o: AnnouncerOptions): Announcer {
  const statusTopicName = statusTopic(o.prefix, 'broker', o.instance)
  const metricsTopicName = metricsTopic(o.prefix, 'broker', o.instance)
  const sinceOnline = Date.now()
  let timer: NodeJS.Timeout | undefined

  function publish(topic: string, payload: unknown, retain: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(JSON.stringify(payload)),
          qos: 0,
          retain,
          dup: false,
        },
        (err) => {
          if (err !== undefined && err !== null)
            o.log.warn({ err, topic }, 'internal publish failed')
          resolve()
        },
      )
    })
  }

  function status(state: 'online' | 'offline'): ServiceStatus {
    return {
      state,
      version: BROKER_VERSION,
      host: hostname(),
      since: state === 'online' ? sinceOnline : Date.now(),
      service: 'broker',
      instance: o.instance,
      pid: process.pid,
    }
  }

  return {
    online: () => publish(statusTopicName, status('online'), true),
    startMetrics(metrics, exporter) {
      if (o.metricsIntervalMs <= 0) return
      timer = setInterval(() => {
        const m = metrics()
        exporter?.update({ service: 'broker', instance: o.instance, t: m.t, hops: m.hops })
        void publish(metricsTopicName, m, false)
      }, o.metricsIntervalMs)
      timer.unref()
    },
    offline() {
      if (timer !== undefined) clearInterval(timer)
      return publish(statusTopicName, status('offline'), true)
    },
  }
}
