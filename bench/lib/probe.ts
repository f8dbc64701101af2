/**
 * @module bench/lib/probe
 * The benchmarks' observer on the broker: one MQTT client that keeps the latest metrics message of every
 * service (DESIGN.md §6) and, when asked, the end-to-end latency of window aggregates (from their
 * `ingestMax`) and anomaly events (from their `ingest`) as they reach a subscriber. Latency is measured on
 * the same clock as the bridge's `ingest` stamp (`epochMs()` from the contract), which
 * agrees across processes of this machine to well under a millisecond.
 */
import mqtt from 'mqtt'
import { decodeWindows, epochMs } from '@sluice/contract'

/** The parts of a hop's metrics the benchmarks read. */
export interface HopSnapshot {
  readonly in: number
  readonly out: number
  readonly dropped: Readonly<Record<string, number>>
  readonly rejected: number
  readonly queue: { readonly length: number; readonly capacity: number }
  readonly lambda?: number
  readonly mu?: number
  readonly rho?: number
  readonly latency?: { readonly p50: number; readonly p95: number; readonly p99: number }
  readonly gaps?: number
  readonly unexplainedLoss?: number
  readonly state: string
}

/** A service's metrics message (the fields used here). */
export interface MetricsSnapshot {
  readonly service: string
  readonly t: number
  readonly hops: Readonly<Record<string, HopSnapshot>>
  readonly process?: { readonly rssBytes?: number; readonly cpuPercent?: number }
}

/** The broker's metrics (the fields used here; broker/src/metrics.ts). */
export interface BrokerSnapshot {
  readonly messages: { readonly in: number; readonly out: number; readonly dropped: number }
  readonly subscribers: readonly {
    readonly clientId: string
    readonly in: number
    readonly out: number
    readonly dropped: number
    readonly queued: number
  }[]
}

/** Nearest-rank percentiles of a list of latencies (ms). */
export interface Percentiles {
  readonly n: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/** Percentiles by nearest rank; NaN when empty. */
export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b)
  const at = (q: number): number =>
    s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.at(-1) ?? NaN }
}

/** A running probe. */
export interface Probe {
  /** The latest metrics message per service name (`sluice/_sys/{service}/…`). */
  readonly metrics: ReadonlyMap<string, MetricsSnapshot>
  /** The broker's latest metrics. */
  broker(): BrokerSnapshot | undefined
  /**
   * The broker's latest view of a service's subscriber clients (`sluice-{service}-…`): messages it dropped
   * from their own queues (DESIGN.md §5; the service then sees them as gaps) and messages still queued.
   */
  atBroker(service: string): {
    readonly dropped: number
    readonly queued: number
    /** Messages the broker routed to the service's clients (every topic). */
    readonly routed: number
  }
  /** Latencies (ms) of window aggregates and anomaly events received since the last `reset()`. */
  readonly latency: {
    readonly window: number[]
    readonly anomaly: number[]
    /** Window latencies by window name (e.g. `c100`, `t5s`). */
    readonly byWindow: Map<string, number[]>
  }
  /** Empties the latency lists (e.g. after a warm-up). */
  reset(): void
  /**
   * Measures latency only for devices that pass `keep` (e.g. the current run's): a stopped run's sensors
   * can still emit aggregates later (the windowing service fires idle windows on its own clock), with
   * an old `ingestMax`, which must not count against the next run.
   */
  onlyDevices(keep: (device: string) => boolean): void
  /** Resolves when every named service has published metrics, or rejects after `timeoutMs`. */
  waitForServices(names: readonly string[], timeoutMs?: number): Promise<void>
  /** Resolves with the next metrics message of `service` that arrives from now on. */
  nextMetrics(service: string, timeoutMs?: number): Promise<MetricsSnapshot>
  close(): Promise<void>
}

const now = epochMs

/** Connects a probe to `url`; `latency` subscribes to every window and anomaly topic too. */
export async function startProbe(
  url: string,
  options: { readonly latency?: boolean; readonly prefix?: string } = {},
): Promise<Probe> {
  const p = options.prefix ?? 'sluice'
  const client = await mqtt.connectAsync(url, {
    clientId: `bench-probe-${process.pid}`,
    reconnectPeriod: 200,
  })
  const metrics = new Map<string, MetricsSnapshot>()
  let brokerMetrics: BrokerSnapshot | undefined
  const latency = {
    window: [] as number[],
    anomaly: [] as number[],
    byWindow: new Map<string, number[]>(),
  }
  const waiters: { service: string; resolve: (m: MetricsSnapshot) => void }[] = []
  let keepDevice: (device: string) => boolean = () => true
  client.on('message', (topic, payload) => {
    const at = now()
    const parts = topic.split('/')
    if (parts[1] === '_sys' && parts[4] === 'metrics') {
      const m = JSON.parse(payload.toString()) as MetricsSnapshot & BrokerSnapshot
      const service = parts[2]!
      if (service === 'broker') brokerMetrics = m
      else metrics.set(service, m)
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.service !== service) continue
        waiters[i]!.resolve(m)
        waiters.splice(i, 1)
      }
      return
    }
    if (!keepDevice(parts[1] ?? '')) return
    if (parts[3] === 'window') {
      // A lone aggregate or a batch of them: each aggregate's latency is from its own ingestMax.
      const r = decodeWindows(payload)
      for (const w of r.ok ? r.value : []) {
        latency.window.push(at - w.ingestMax)
        const list = latency.byWindow.get(w.window) ?? []
        list.push(at - w.ingestMax)
        latency.byWindow.set(w.window, list)
      }
    } else if (parts[3] === 'anomaly') {
      const a = JSON.parse(payload.toString()) as { ingest?: number }
      if (typeof a.ingest === 'number') latency.anomaly.push(at - a.ingest)
    }
  })
  const filters = [`${p}/_sys/+/+/metrics`]
  if (options.latency === true) filters.push(`${p}/+/+/window/+`, `${p}/+/+/anomaly`)
  await client.subscribeAsync(filters, { qos: 0 })
  return {
    metrics,
    broker: () => brokerMetrics,
    atBroker(service) {
      const mine = (brokerMetrics?.subscribers ?? []).filter((x) =>
        x.clientId.startsWith(`sluice-${service}-`),
      )
      return {
        dropped: mine.reduce((sum, x) => sum + x.dropped, 0),
        queued: mine.reduce((sum, x) => sum + x.queued, 0),
        routed: mine.reduce((sum, x) => sum + x.in, 0),
      }
    },
    latency,
    reset() {
      latency.window.length = 0
      latency.anomaly.length = 0
      latency.byWindow.clear()
    },
    onlyDevices(keep) {
      keepDevice = keep
    },
    async waitForServices(names, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (!names.every((n) => metrics.has(n))) {
        if (Date.now() > deadline)
          throw new Error(`no metrics from ${names.filter((n) => !metrics.has(n)).join(', ')}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    nextMetrics(service, timeoutMs = 10_000) {
      return new Promise<MetricsSnapshot>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no metrics from ${service} in ${timeoutMs} ms`))
        }, timeoutMs)
        waiters.push({
          service,
          resolve: (m) => {
            clearTimeout(timer)
            resolve(m)
          },
        })
      })
    },
    async close() {
      await client.endAsync()
    },
  }
}
