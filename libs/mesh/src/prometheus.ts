/**
 * @module prometheus
 * `GET /metrics` in the Prometheus text format (DESIGN.md §6), for every service and the broker, on an
 * optional port, loopback by default. It is built from the very metrics payload the service publishes on
 * `{p}/_sys/{service}/{instance}/metrics` every interval, so a scrape and the MQTT message always agree:
 * each `update(payload)` replaces every series with the payload's values (prom-client formats them).
 *
 * Series (labels `service`, `instance`, `hop`, `direction`, `policy`; `reason` on drops, `quantile` on
 * latency): `sluice_hop_{in,out,rejected,gaps,unsequenced}_total`, `sluice_hop_dropped_total`,
 * `sluice_hop_queue_{length,capacity}`, `sluice_hop_{arrival,service}_rate`, `sluice_hop_utilisation`,
 * `sluice_hop_wait_ms`, `sluice_hop_latency_ms`, `sluice_hop_state` (0 ok, 1 warning, 2 critical),
 * `sluice_hop_unexplained_loss`, `sluice_hop_sensors`, `sluice_sink_spool_bytes` and
 * `sluice_sink_spool_max_bytes`, and `sluice_process_*`.
 *
 * prom-client is loaded only when an exporter starts (about 11 MB of RSS that a service without a
 * Prometheus port never needs; issue 16).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HopMetrics, ServiceMetrics } from '@sluice/contract'
import type { Registry } from 'prom-client'

/** Options of {@link startPrometheusExporter}. */
export interface PrometheusExporterOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number
  /** Listen address. Default `127.0.0.1`. */
  readonly host?: string
}

/** A running `/metrics` endpoint. */
export interface PrometheusExporter {
  /** The bound port. */
  readonly port: number
  /** `http://host:port/metrics`. */
  readonly url: string
  /** Replaces every series with the values of one metrics payload. */
  update(payload: ServiceMetrics): void
  /** The text a scrape gets now. */
  text(): Promise<string>
  close(): Promise<void>
}

const HOP = ['service', 'instance', 'hop', 'direction', 'policy'] as const
type HopLabel = (typeof HOP)[number]
const STATE_VALUE = { ok: 0, warning: 1, critical: 2 } as const

type PromClient = typeof import('prom-client')

/** The series of one registry, defined once. */
function defineSeries(registry: Registry, { Counter, Gauge }: PromClient) {
  const registers = [registry]
  const counter = (name: string, help: string, extra: readonly string[] = []) =>
    new Counter({ name, help, labelNames: [...HOP, ...extra], registers })
  const gauge = (name: string, help: string, extra: readonly string[] = []) =>
    new Gauge({ name, help, labelNames: [...HOP, ...extra], registers })
  const process = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['service', 'instance'], registers })
  return {
    in: counter('sluice_hop_in_total', 'Samples that arrived at the hop.'),
    out: counter('sluice_hop_out_total', 'Samples the hop passed on.'),
    dropped: counter('sluice_hop_dropped_total', 'Samples dropped, by reason.', ['reason']),
    rejected: counter('sluice_hop_rejected_total', 'Payloads rejected as invalid.'),
    gaps: counter('sluice_hop_gaps_total', 'Samples missing from per-sensor sequence numbers.'),
    unsequenced: counter(
      'sluice_hop_unsequenced_total',
      'Samples without a sequence number: their loss cannot be known.',
    ),
    unexplained: gauge('sluice_hop_unexplained_loss', 'Gaps minus counted drops (0 on QoS 1).'),
    queueLength: gauge('sluice_hop_queue_length', 'Samples queued now.'),
    queueCapacity: gauge('sluice_hop_queue_capacity', 'Queue capacity in samples.'),
    lambda: gauge('sluice_hop_arrival_rate', 'Arrival rate λ (samples/s).'),
    mu: gauge('sluice_hop_service_rate', 'Service rate μ (samples/s).'),
    rho: gauge('sluice_hop_utilisation', 'Utilisation ρ = λ/μ.'),
    wait: gauge('sluice_hop_wait_ms', 'Mean wait W in the queue (ms).'),
    latency: gauge('sluice_hop_latency_ms', 'Latency from ingest over the last interval (ms).', [
      'quantile',
    ]),
    state: gauge('sluice_hop_state', 'Hop state: 0 ok, 1 warning, 2 critical.'),
    sensors: gauge('sluice_hop_sensors', 'Sensors (device/channel) this hop has received.'),
    spool: gauge('sluice_sink_spool_bytes', "Bytes in the sink's disk spool."),
    spoolMax: gauge('sluice_sink_spool_max_bytes', "The sink spool's cap (bytes)."),
    time: process('sluice_metrics_time_ms', 'When the metrics payload was taken (its t, ms).'),
    rss: process('sluice_process_rss_bytes', 'Resident set size (bytes).'),
    heap: process('sluice_process_heap_used_bytes', 'V8 heap used (bytes).'),
    cpu: process('sluice_process_cpu_percent', 'CPU use over the last interval (%).'),
  }
}

type Series = ReturnType<typeof defineSeries>

function setHop(s: Series, labels: Record<HopLabel, string>, h: HopMetrics): void {
  s.in.inc(labels, h.in)
  s.out.inc(labels, h.out)
  for (const [reason, n] of Object.entries(h.dropped)) s.dropped.inc({ ...labels, reason }, n)
  s.rejected.inc(labels, h.rejected)
  if (h.gaps !== undefined) s.gaps.inc(labels, h.gaps)
  if (h.unsequenced !== undefined) s.unsequenced.inc(labels, h.unsequenced)
  if (h.unexplainedLoss !== undefined) s.unexplained.set(labels, h.unexplainedLoss)
  s.queueLength.set(labels, h.queue.length)
  s.queueCapacity.set(labels, h.queue.capacity)
  if (h.lambda !== undefined) s.lambda.set(labels, h.lambda)
  if (h.mu !== undefined) s.mu.set(labels, h.mu)
  if (h.rho !== undefined) s.rho.set(labels, h.rho)
  if (h.w !== undefined) s.wait.set(labels, h.w)
  if (h.latency !== undefined) {
    s.latency.set({ ...labels, quantile: '0.5' }, h.latency.p50)
    s.latency.set({ ...labels, quantile: '0.95' }, h.latency.p95)
    s.latency.set({ ...labels, quantile: '0.99' }, h.latency.p99)
  }
  s.state.set(labels, STATE_VALUE[h.state])
  if (h.sensors !== undefined) s.sensors.set(labels, h.sensors)
  if (h.sink !== undefined) {
    s.spool.set(labels, h.sink.spoolBytes)
    s.spoolMax.set(labels, h.sink.spoolMaxBytes)
  }
}

/**
 * Serves `GET /metrics` for one service instance; feed it each metrics payload with `update`.
 *
 * @example
 * ```ts
 * const prom = await startPrometheusExporter({ port: 9464 })
 * publisher = createMetricsPublisher({ …, onCollect: (m) => prom.update(m) })
 * // curl http://127.0.0.1:9464/metrics
 * ```
 */
export async function startPrometheusExporter(
  options: PrometheusExporterOptions,
): Promise<PrometheusExporter> {
  const prom = await import('prom-client')
  const registry = new prom.Registry()
  const series = defineSeries(registry, prom)
  const host = options.host ?? '127.0.0.1'
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    update(payload) {
      // Replace, not accumulate: the payload's counters are already cumulative.
      registry.resetMetrics()
      const { service, instance } = payload
      for (const [hop, h] of Object.entries(payload.hops))
        setHop(series, { service, instance, hop, direction: h.direction, policy: h.policy }, h)
      series.time.set({ service, instance }, payload.t)
      const p = payload.process
      if (p?.rssBytes !== undefined) series.rss.set({ service, instance }, p.rssBytes)
      if (p?.heapUsedBytes !== undefined) series.heap.set({ service, instance }, p.heapUsedBytes)
      if (p?.cpuPercent !== undefined) series.cpu.set({ service, instance }, p.cpuPercent)
    },
    text: () => registry.metrics(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
