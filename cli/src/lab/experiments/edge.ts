/**
 * @module lab/experiments/edge
 * Edge aggregation against a cloud rate limit (lab level 3, a Pi edge node with a cloud store): the
 * simulator at 100 Hz through the real bridge, and two forwarders posting to a webhook on this machine that
 * stands for a cloud limited to 50 points/s (the forwarder's token bucket). One forwards the raw samples:
 * twice what the limit lets through, so the disk spool grows and the data arrives later and later. The
 * other forwards 5 s windows from the windowing service: a small fraction of the points, well inside the
 * limit. Measured at the webhook: points and bytes per second (and per hour), and the spool from the
 * forwarder's metrics.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { lineChart } from '@sluice/plot'
import type { Experiment, LabOutcome, Progress } from '../experiment.js'
import { hopSeries } from '../hop-series.js'
import { createLabMesh, sleep, type LabMesh } from '../mesh.js'
import { round } from '../table.js'
import { pointsPerSecond, secondsBeforeLimit } from '../theory.js'

const defaults = {
  rateHz: 100,
  limit: 50,
  burst: 50,
  windowMs: 5000,
  everyMs: 5000,
  seconds: 20,
}

type Params = typeof defaults

/** What the webhook received on one path. */
interface Received {
  points: number
  bytes: number
  readonly timeline: { at: number; points: number; bytes: number }[]
}

function startWebhook(
  paths: readonly string[],
): Promise<{ server: Server; url: string; received: Map<string, Received> }> {
  const received = new Map<string, Received>(
    paths.map((p) => [p, { points: 0, bytes: 0, timeline: [] }]),
  )
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const r = received.get(req.url ?? '')
      if (r !== undefined) {
        const items = (JSON.parse(body.toString('utf8')) as { items: unknown[] }).items.length
        r.points += items
        r.bytes += body.length
        r.timeline.push({ at: Date.now(), points: r.points, bytes: r.bytes })
      }
      res.writeHead(200).end()
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        received,
      }),
    ),
  )
}

/** One path's numbers. */
export interface EdgeRun {
  readonly label: string
  readonly offered: number
  readonly delivered: number
  readonly bytesPerPoint: number
  readonly bytesPerHour: number
  readonly offeredBytesPerHour: number
  readonly spoolBytes: number
  readonly oldestAgeS: number
}

type Webhook = Awaited<ReturnType<typeof startWebhook>>

/**
 * Starts the two paths to the webhook: raw samples straight to a forwarder, and windows computed at the
 * edge to another. Returns when the bridges started (ms), the zero of the spool's time axis.
 */
async function startEdgePaths(
  mesh: LabMesh,
  hook: Webhook,
  p: Params,
  progress: Progress,
): Promise<number> {
  const sink = (name: string, path: string, topics: string[]) => ({
    type: 'http',
    name,
    url: `${hook.url}${path}`,
    topics,
    ratePerSecond: p.limit,
    burst: p.burst,
    batchSize: p.burst,
    lingerMs: 1000,
  })
  // Each forwarder its own data directory: a spool is a folder per sink name under it.
  const common = (dir: string) => ['--logLevel', 'warn', '--dataDir', join(mesh.dir, dir)]
  progress(
    `two forwarders to a webhook limited to ${p.limit} points/s: raw ${p.rateHz} Hz, and ${p.windowMs / 1000} s windows`,
  )
  await mesh.start('forward', 'raw', common('raw'), {
    sinks: [sink('cloud', '/raw', ['sluice/edge-raw/+/raw'])],
  })
  await mesh.start('forward', 'win', common('win'), {
    sinks: [sink('cloud', '/win', ['sluice/edge-win/+/window/#'])],
  })
  await mesh.start('window', 'edge', ['--logLevel', 'warn'], {
    devices: ['edge-win'],
    windows: { agg: { type: 'time', length: p.windowMs, every: p.everyMs } },
  })
  const t0 = Date.now()
  for (const device of ['edge-raw', 'edge-win'])
    await mesh.start('bridge', device, [
      '--logLevel',
      'warn',
      '--mode',
      'sim',
      '--device',
      device,
      '--sim.rateHz',
      String(p.rateHz),
    ])
  return t0
}

/** One path's numbers, measured at the webhook (`path`) and in its forwarder's metrics (`instance`). */
function measurePath(
  ctx: { mesh: LabMesh; hook: Webhook; p: Params; t0: number },
  label: string,
  instance: string,
  path: string,
  offered: number,
): EdgeRun {
  const { mesh, hook, p, t0 } = ctx
  const r = hook.received.get(path)!
  // Delivery rate after the first burst of tokens: from the first post to the last.
  const tl = r.timeline
  const first = tl[0]
  const last = tl[tl.length - 1]
  const secs =
    first !== undefined && last !== undefined && last.at > first.at
      ? (last.at - first.at) / 1000
      : p.seconds
  const delivered =
    first !== undefined && last !== undefined && tl.length >= 5
      ? (last.points - first.points) / secs
      : r.points / p.seconds
  const bytesPerPoint = r.points > 0 ? r.bytes / r.points : 0
  const series = hopSeries(mesh.metricsOf('forward', instance), 'cloud', t0)
  const sinkNow = series[series.length - 1]?.m.sink
  return {
    label,
    offered,
    delivered,
    bytesPerPoint,
    bytesPerHour: delivered * bytesPerPoint * 3600,
    offeredBytesPerHour: offered * bytesPerPoint * 3600,
    spoolBytes: sinkNow?.spoolBytes ?? 0,
    oldestAgeS: (sinkNow?.oldestAgeMs ?? 0) / 1000,
  }
}

/** The table, the spool plot and the notes of the two paths. */
function edgeOutcome(
  p: Params,
  raw: EdgeRun,
  win: EdgeRun,
  spool: (instance: string) => { x: number; y: number }[],
): LabOutcome {
  const runs = [raw, win]
  return {
    table: {
      columns: [
        'path',
        'offered pts/s',
        'delivered pts/s',
        'B/point',
        'MB/hour sent',
        'MB/hour offered',
        'spool KiB',
        'oldest unsent s',
      ],
      rows: runs.map((r) => [
        r.label,
        round(r.offered),
        round(r.delivered),
        round(r.bytesPerPoint),
        round(r.bytesPerHour / 1e6),
        round(r.offeredBytesPerHour / 1e6),
        round(r.spoolBytes / 1024),
        round(r.oldestAgeS),
      ]),
    },
    plots: [
      {
        file: 'edge-spool.svg',
        svg: lineChart(
          `Forwarder spool with a ${p.limit} points/s limit`,
          'seconds',
          'KiB spooled',
          [
            { name: raw.label, points: spool('raw') },
            { name: win.label, points: spool('win') },
          ],
        ),
      },
    ],
    notes: [
      `The token bucket lets the first ${p.burst} points through at once (the burst), then ${p.limit}/s; at ${p.rateHz} points/s the raw path is over the limit after ${round(secondsBeforeLimit(p.rateHz, p.limit, p.burst))} s and the spool grows by ${p.rateHz - p.limit} points/s: the cloud gets everything, later and later (oldest unsent), until the spool's cap evicts the oldest.`,
      `Aggregating at the edge: ${round(raw.offered / win.offered)}:1 fewer points (${p.rateHz} Hz × ${p.everyMs / 1000} s per window), and ${round(raw.offeredBytesPerHour / Math.max(1, win.offeredBytesPerHour))}:1 fewer bytes, since a window point (mean, std, min, max, …) is bigger than a raw one. A window emitted every ${p.rateHz / 20 >= 1 ? round(20000 / p.rateHz) : 0} ms would be 20:1.`,
    ],
    data: { runs },
  }
}

async function run(p: Params, progress: Progress): Promise<LabOutcome> {
  const hook = await startWebhook(['/raw', '/win'])
  const mesh = await createLabMesh()
  try {
    const t0 = await startEdgePaths(mesh, hook, p, progress)
    progress(`running ${p.seconds} s`)
    await sleep(p.seconds * 1000)
    const ctx = { mesh, hook, p, t0 }
    const raw = measurePath(
      ctx,
      `raw ${p.rateHz} Hz`,
      'raw',
      '/raw',
      pointsPerSecond({ rateHz: p.rateHz }),
    )
    const win = measurePath(
      ctx,
      `${p.windowMs / 1000} s windows every ${p.everyMs / 1000} s`,
      'win',
      '/win',
      pointsPerSecond({ everyMs: p.everyMs }),
    )
    const spool = (instance: string) =>
      hopSeries(mesh.metricsOf('forward', instance), 'cloud', t0)
        .filter((h) => h.s >= 0)
        .map((h) => ({
          x: h.s,
          y: (h.m.sink?.spoolBytes ?? 0) / 1024,
        }))
    return edgeOutcome(p, raw, win, spool)
  } finally {
    await mesh.close()
    await new Promise((r) => hook.server.close(r))
  }
}

/** `sluice lab edge`. */
export const edgeExperiment: Experiment<Params> = {
  name: 'edge',
  title: 'Edge aggregation vs a cloud rate limit',
  summary:
    '100 Hz raw into a sink limited to 50 points/s, against 5 s windows computed at the edge: what the token bucket and the spool do, and bytes per hour.',
  defaults,
  help: {
    rateHz: 'simulated sample rate (points/s offered on the raw path)',
    limit: "the sink's rate limit, points/s (token bucket)",
    burst: 'token bucket depth, points',
    windowMs: 'window length at the edge (ms)',
    everyMs: 'how often a window is emitted (ms); = windowMs: tumbling',
    seconds: 'how long to run',
  },
  tryThis: [
    'sluice lab edge --rate-hz 40                 # under the limit: the spool stays empty',
    'sluice lab edge --every-ms 200               # sliding windows every 200 ms: the 20:1 of the textbook',
    'sluice lab edge --limit 10 --every-ms 1000   # a stingier cloud',
  ],
  run,
}
