/**
 * @module service
 * The dashboard service (DESIGN.md §1, §6, §11): it subscribes, like any other service, to raw samples,
 * window aggregates, anomaly events and every service's status and metrics; keeps a bounded live state;
 * and fans it out to the browsers over Server-Sent Events, one frame per `frameMs`. The page's rate control
 * comes back as `POST /api/rate` and goes out on `{p}/{device}/_ctl/rate` through an outbound hop, under
 * the dashboard's own client id, which the broker's ACL lets publish rate commands. docs/dashboard.md says
 * why the server fans out rather than each browser connecting to the broker.
 */
import { fileURLToPath } from 'node:url'
import {
  anomalyFilter,
  decodeAnomaly,
  decodeMetrics,
  decodeRate,
  decodeStatus,
  decodeWindow,
  encodeText,
  isIdentifier,
  metricsFilter,
  parseTopic,
  rateTopic,
  deviceRawFilter,
  rawFilter,
  statusFilter,
  windowFilter,
  type AnomalyEvent,
  type ServiceMetrics,
  type ServiceStatus,
  type WindowAggregate,
} from '@sluice/contract'
import {
  createSampledLog,
  type HopDecodeResult,
  type ServiceContext,
  type ServiceImpl,
} from '@sluice/mesh'
import type { DashboardConfigSchema } from './config.js'
import type { PageConfig } from './protocol.js'
import { accessPolicy } from './server/access.js'
import { createHttpServer, type ApiAnswer } from './server/http-server.js'
import { createLiveState } from './server/live-state.js'
import { createSnapshotEncoder } from './server/snapshot-json.js'
import { createSseHub } from './server/sse-hub.js'

/** The running dashboard, as `create` returns it. */
export interface DashboardService extends ServiceImpl {
  /** The page's URL once started (`http://127.0.0.1:8080/`). */
  readonly url: string | undefined
}

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

function notOurs(topic: string): { ok: false; error: Error } {
  return { ok: false, error: new Error(`not a topic this hop takes: ${topic}`) }
}

/** The built page, beside the compiled code (`src/` and `dist/` are both one level below the package). */
const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../dist/public/', import.meta.url))

/** Builds the dashboard service from its runtime context. */
export function createDashboardService(
  ctx: ServiceContext<typeof DashboardConfigSchema>,
): DashboardService {
  const { config, prefix, log } = ctx
  const credentials = accessPolicy({
    host: config.host,
    user: config.httpUser,
    password: config.httpPassword,
    allowAnonymous: config.allowAnonymous,
  })
  const live = createLiveState({
    maxSamplesPerFrame: config.maxSamplesPerFrame,
    historySamples: config.historySamples,
    maxSensors: config.maxSensors,
    maxServices: config.maxServices,
    expireAfterMs: config.sensorExpiryMs,
  })
  const pageConfig: PageConfig = {
    prefix,
    frameMs: config.frameMs,
    ringCapacity: config.ringCapacity,
    instance: ctx.instance,
  }
  const warnRefused = createSampledLog(log, 'warn', 100)
  const warnOversized = createSampledLog(log, 'warn', 100)
  const hub = createSseHub({
    backlogBytes: config.clientBacklogBytes,
    maxClients: config.maxClients,
    snapshot: createSnapshotEncoder((share) => live.snapshot(pageConfig, share)),
    onRefused: (clients) => {
      warnRefused(
        { clients, maxClients: config.maxClients },
        'a browser was refused (503): the dashboard serves maxClients pages already',
      )
    },
    onOversized: (bytes) => {
      warnOversized(
        { bytes, clientBacklogBytes: config.clientBacklogBytes },
        'a frame is larger than clientBacklogBytes, so no browser gets it: raise --clientBacklogBytes, ' +
          'or lower --maxSamplesPerFrame or --frameMs',
      )
    },
  })
  const now = (): number => Date.now()

  // Live monitoring: the newest data matters most, so every inbound hop drops its oldest when full.
  ctx.inbound({
    name: 'raw',
    qos: 0,
    queue: { capacity: 50_000, policy: 'drop-oldest' },
    // Per-channel raw topics, and the device-level topic of devices publishing directly.
    filters: config.devices.flatMap((d) => [rawFilter(prefix, d), deviceRawFilter(prefix, d)]),
    handle: (key, samples, batch) => {
      const before = live.stats.overLimit
      live.addSamples(key, samples)
      // Sensors beyond maxSensors: counted by the hop, so the metrics show them (issue 11, item 10).
      const refused = live.stats.overLimit - before
      if (refused > 0) batch.drop('max-sensors', refused)
    },
  })
  ctx.inbound<{ readonly name: string; readonly agg: WindowAggregate }>({
    name: 'windows',
    qos: 0,
    queue: { capacity: 10_000, policy: 'drop-oldest' },
    filters: config.devices.map((d) => windowFilter(prefix, d)),
    decode: (topic, payload) => {
      const p = parseTopic(prefix, topic)
      if (p?.kind !== 'window') return notOurs(topic)
      const r = decodeWindow(payload)
      return r.ok ? [{ name: p.name, agg: r.value }] : r
    },
    ingest: (w) => w.agg.ingestMax,
    handle: (key, items, batch) => {
      const before = live.stats.overLimit
      for (const w of items) live.addWindow(key, w.name, w.agg)
      const refused = live.stats.overLimit - before
      if (refused > 0) batch.drop('max-sensors', refused)
    },
  })
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
      const before = live.stats.overLimit
      for (const ev of events) live.addAnomaly(key, ev)
      const refused = live.stats.overLimit - before
      if (refused > 0) batch.drop('max-sensors', refused)
    },
  })
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
  const rateOut = ctx.outbound({
    name: 'rate',
    qos: 1,
    queue: { capacity: 100, policy: 'drop-oldest' },
  })

  function onRate(body: unknown): ApiAnswer {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    if (!isIdentifier(b.device)) {
      return { status: 400, body: { error: 'device must be an identifier like "sim-1"' } }
    }
    const payload = encodeText({ hz: b.hz as number })
    const r = decodeRate(payload)
    if (!r.ok) return { status: 400, body: { error: r.error.message } }
    const topic = rateTopic(prefix, b.device)
    rateOut.publish(topic, encodeText(r.value))
    log.info({ device: b.device, hz: r.value.hz }, 'rate command sent')
    return { status: 202, body: { ok: true, topic, hz: r.value.hz } }
  }

  const http = createHttpServer({
    host: config.host,
    port: config.port,
    publicDir: config.publicDir === '' ? DEFAULT_PUBLIC_DIR : config.publicDir,
    credentials,
    onEvents: (res) => hub.add(res),
    onRate,
    // The snapshot the pages of this tick get, with the counters in front: no second serialisation.
    state: () => {
      const stats = {
        ...live.stats,
        browsers: hub.clients,
        skippedFrames: hub.skipped,
        refusedBrowsers: hub.refused,
        droppedBrowsers: hub.dropped,
        snapshots: hub.snapshots,
      }
      return `{"stats":${JSON.stringify(stats)},${hub.snapshotJson().slice(1)}`
    },
  })

  let url: string | undefined
  let timer: NodeJS.Timeout | undefined
  return {
    get url() {
      return url
    },
    async start() {
      url = await http.listen()
      timer = setInterval(() => hub.tick(live.takeFrame(now())), config.frameMs)
      log.info({ url }, `dashboard at ${url}`)
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer)
      hub.close()
      await http.close()
    },
  }
}
