/**
 * @module service
 * The dashboard service (DESIGN.md §1, §6, §11): it subscribes, like any other service, to raw samples,
 * window aggregates, anomaly events and every service's status and metrics; keeps a bounded live state;
 * and fans it out to the browsers over Server-Sent Events: a frame as soon as data arrives and the pages
 * have taken the previous one, or `frameMs` after it arrived at the latest (server/frame-pacer, issue 16);
 * with no page connected, no frame is cut. The page's rate control comes back as `POST /api/rate` and
 * goes out on `{p}/{device}/_ctl/rate` through an outbound hop, under the dashboard's own client id, which
 * the broker's ACL lets publish rate commands. docs/dashboard.md says why the server fans out rather than
 * each browser connecting to the broker.
 */
import { fileURLToPath } from 'node:url'
import { createSampledLog, type ServiceContext, type ServiceImpl } from '@sluice/mesh'
import type { DashboardConfigSchema } from './config.js'
import { subscribeAnomalies } from './handlers/anomalies.js'
import { createRateHandler } from './handlers/rate.js'
import { subscribeRaw } from './handlers/raw.js'
import { subscribeSys } from './handlers/sys.js'
import { subscribeWindows } from './handlers/windows.js'
import type { PageConfig } from './protocol.js'
import { accessPolicy } from './server/access.js'
import { createHttpServer } from './server/http-server.js'
import { createFrameOutput } from './server/frame-output.js'
import { createLiveState } from './server/live-state.js'
import { createSnapshotEncoder } from './server/snapshot-json.js'
import { createSseHub } from './server/sse-hub.js'

/** The running dashboard, as `create` returns it. */
export interface DashboardService extends ServiceImpl {
  /** The page's URL once started (`http://127.0.0.1:8080/`). */
  readonly url: string | undefined
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
    onChange: () => {
      frameOutput.dataArrived()
    },
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
  const frameOutput = createFrameOutput(config, { hub, live, now })

  // Live monitoring: the newest data matters most, so every inbound hop drops its oldest when full.
  subscribeRaw(ctx, live)
  subscribeWindows(ctx, live)
  subscribeAnomalies(ctx, live)
  subscribeSys(ctx, live, now)
  const onRate = createRateHandler(ctx)

  const http = createHttpServer({
    host: config.host,
    port: config.port,
    publicDir: config.publicDir === '' ? DEFAULT_PUBLIC_DIR : config.publicDir,
    credentials,
    onEvents: (res) => {
      frameOutput.beforeSnapshot()
      hub.add(res)
    },
    onRate,
    // The snapshot the pages of this tick get, with the counters in front: no second serialisation.
    state: () => {
      frameOutput.beforeSnapshot()
      const stats = {
        ...live.stats,
        browsers: hub.clients,
        frames: hub.frames,
        skippedFrames: hub.skipped,
        refusedBrowsers: hub.refused,
        droppedBrowsers: hub.dropped,
        snapshots: hub.snapshots,
      }
      return `{"stats":${JSON.stringify(stats)},${hub.snapshotJson().slice(1)}`
    },
  })

  let url: string | undefined
  return {
    get url() {
      return url
    },
    async start() {
      url = await http.listen()
      frameOutput.start()
      log.info({ url }, `dashboard at ${url}`)
    },
    async stop() {
      frameOutput.stop()
      hub.close()
      await http.close()
    },
  }
}
