/**
 * The dashboard in real Chromium at 1 000 samples/s (100 sensors at 10 Hz), for `--seconds` (default 300),
 * twice in one run: first with `framePacing: 'fixed'` (a frame every `frameMs`, the behaviour before issue
 * 16: the baseline), then with the default, `adaptive` (a frame as soon as data arrives and the page has
 * taken the previous one, at most one per 16 ms, `frameMs` at the latest). Each variant gets its own
 * dashboard and page, against the same broker, browser and publisher. Measured for each:
 * - browser memory: the JS heap after a forced GC (DevTools protocol `HeapProfiler.collectGarbage`, then
 *   `Runtime.getHeapUsage`), and the DOM node count, every 30 s. Baseline: the same page, connected but
 *   idle (no sensors yet), measured first in the same run.
 * - sensor-to-screen latency: each sample's `ingest` stamp (taken by the publisher when it "reads the
 *   line", as the bridge does) against the moment the chart that shows it finished drawing, measured in
 *   the page. Baseline: ingest to the frame's arrival in the page (before any drawing), same samples.
 * - smoothness: animation frames per second the page achieved while drawing.
 * - frames: server frames the page received per second.
 *
 * The publisher runs in-process with the serial bridge's client id (so the broker's ACL lets it publish
 * raw topics) and sends lone samples, one message per sample, as the bridge does at low rates. The
 * dashboard charts 8 of the 100 sensors (the rest are in the list), with a 1-minute span.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/dashboard/dashboard-browser.ts [--seconds 300]`
 * Writes `bench/results/dashboard-browser.json`; `bench/dashboard/dashboard-browser.md` is the note.
 * Needs /usr/bin/chromium.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker, silentBrokerLogger } from '@sluice/broker'
import { epochMs, encodeText, rawTopic, type RawSample } from '@sluice/contract'
import { createSimulator } from '@sluice/stream'
import { buildDashboardPage, launchChromium } from '@sluice/testkit'
import mqtt from 'mqtt'
import { startDashboard } from '../lib/dashboard.js'
import { writeResult, type BenchRow } from '../lib/results.js'

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : undefined
  return raw === undefined ? fallback : Number(raw)
}

const SECONDS = argument('seconds', 300)
const SENSORS = argument('sensors', 100)
const RATE_HZ = argument('rate', 10)
const WARMUP_S = 30
const SAMPLE_EVERY_S = 30
const CHROMIUM = '/usr/bin/chromium'
const MiB = 1024 * 1024

interface PageDebug {
  stats(): { received: number; sensors: number; frames: number; charts: string[] }
  latency(): {
    render: { n: number; p50: number; p99: number; max: number }
    arrival: { n: number; p50: number; p99: number; max: number }
  }
  resetLatency(): void
  select(keys: string[]): void
}
declare const window: { sluice: PageDebug }

if (!existsSync(CHROMIUM)) {
  process.stderr.write(`${CHROMIUM} not found: install chromium to run this benchmark.\n`)
  process.exit(1)
}

type Pacing = 'fixed' | 'adaptive'
const VARIANTS: readonly Pacing[] = ['fixed', 'adaptive']
const LABEL: Record<Pacing, string> = {
  fixed: 'fixed 100 ms frames (baseline)',
  adaptive: 'adaptive frames',
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-dashboard-'))
const publicDir = join(dir, 'public')
await buildDashboardPage(publicDir)
const broker = await startBroker({ host: '127.0.0.1', port: 0, logger: silentBrokerLogger })
const browser = await launchChromium(CHROMIUM, join(dir, 'profile'))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// The publisher: 100 simulated one-channel devices at 10 Hz, one message per sample, all run long.
const client = await mqtt.connectAsync(broker.url, { clientId: 'sluice-serial-bridge-bench' })
const devices = Array.from({ length: SENSORS }, (_, k) => `dev-${String(k).padStart(3, '0')}`)
const sim = createSimulator({
  startTime: Date.now(),
  devices: devices.map((id, k) => ({
    id,
    rateHz: RATE_HZ,
    channels: [{ name: 'v', base: 500, amplitude: 100, periodMs: 20_000 + k * 100, noiseStd: 5 }],
  })),
})
const topics = new Map(devices.map((d) => [d, rawTopic('sluice', d, 'v')]))
let published = 0
let publishing = false
const tick = setInterval(() => {
  const ingest = epochMs()
  sim.advance(Date.now(), (line) => {
    if (!publishing) return
    const sample: RawSample = { seq: line.seq, t: line.t, value: line.values[0]!, ingest }
    client.publish(topics.get(line.device)!, encodeText(sample), { qos: 0 })
    published++
  })
}, 20)

/** One variant, from an idle page to the end of its run: its result rows. */
async function measure(pacing: Pacing): Promise<BenchRow[]> {
  const label = LABEL[pacing]
  // The idle page first: the publisher is quiet until it has been measured (and the previous variant's
  // samples in flight have landed).
  publishing = false
  await sleep(1000)
  const dashboard = await startDashboard(broker.url, publicDir, {
    instance: `bench-${pacing}`,
    framePacing: pacing,
  })
  const page = await browser.newPage()
  const cdp = await browser.newCDPSession(page)
  await cdp.send('Performance.enable')

  async function heapAfterGc(): Promise<{ heap: number; nodes: number }> {
    await cdp.send('HeapProfiler.collectGarbage')
    await cdp.send('HeapProfiler.collectGarbage')
    const { usedSize } = await cdp.send('Runtime.getHeapUsage')
    const { metrics } = await cdp.send('Performance.getMetrics')
    return { heap: usedSize, nodes: metrics.find((m) => m.name === 'Nodes')?.value ?? NaN }
  }

  await page.goto(dashboard.url)
  await page.waitForSelector('#conn[data-state="live"]')
  await sleep(3000)
  const idle = await heapAfterGc()
  console.log(
    `${label}: idle page: heap ${(idle.heap / MiB).toFixed(2)} MiB, ${idle.nodes} DOM nodes`,
  )
  publishing = true

  await page.waitForFunction((n) => window.sluice.stats().sensors >= n, SENSORS)
  await page.evaluate(
    (keys) => window.sluice.select(keys),
    devices.slice(0, 8).map((d) => `${d}/v`),
  )
  console.log(`${label}: warming up ${WARMUP_S} s…`)
  await sleep(WARMUP_S * 1000)
  await page.evaluate(() => window.sluice.resetLatency())
  const start = Date.now()
  const heapSeries: { t: number; heap: number; nodes: number }[] = []
  const first = await heapAfterGc()
  heapSeries.push({ t: 0, ...first })
  const atStart = await page.evaluate(() => window.sluice.stats())
  const startedAt = Date.now()
  const publishedAtStart = published
  while (Date.now() - start < SECONDS * 1000) {
    await sleep(Math.min(SAMPLE_EVERY_S * 1000, SECONDS * 1000 - (Date.now() - start)))
    const h = await heapAfterGc()
    const t = (Date.now() - start) / 1000
    heapSeries.push({ t, ...h })
    console.log(
      `${label}: t=${t.toFixed(0)} s heap ${(h.heap / MiB).toFixed(2)} MiB, ${h.nodes} DOM nodes`,
    )
  }
  const latency = await page.evaluate(() => window.sluice.latency())
  const atEnd = await page.evaluate(() => window.sluice.stats())
  const framesPerS = (atEnd.frames - atStart.frames) / ((Date.now() - startedAt) / 1000)
  const receivedInRun = atEnd.received - atStart.received
  const publishedInRun = published - publishedAtStart
  // A string, not a function: tsx would wrap a named inner function in a helper the page does not have.
  const fps = await page.evaluate<number>(`new Promise((resolve) => {
    let n = 0
    const t0 = performance.now()
    const count = () => {
      n++
      if (performance.now() - t0 < 5000) requestAnimationFrame(count)
      else resolve((n * 1000) / (performance.now() - t0))
    }
    requestAnimationFrame(count)
  })`)
  await page.close()
  await dashboard.stop()

  // Least-squares slope of heap over time, per minute.
  const n = heapSeries.length
  const mt = heapSeries.reduce((a, p) => a + p.t, 0) / n
  const mh = heapSeries.reduce((a, p) => a + p.heap, 0) / n
  const slope =
    heapSeries.reduce((a, p) => a + (p.t - mt) * (p.heap - mh), 0) /
    Math.max(
      1e-9,
      heapSeries.reduce((a, p) => a + (p.t - mt) ** 2, 0),
    )
  const last = heapSeries[n - 1]!
  const runS = last.t

  return [
    {
      case: `${label}: heap, idle page (baseline)`,
      value: idle.heap / MiB,
      unit: 'MiB',
      nodes: idle.nodes,
    },
    {
      case: `${label}: heap after ${WARMUP_S} s warm-up at ${SENSORS * RATE_HZ}/s`,
      value: first.heap / MiB,
      unit: 'MiB',
      nodes: first.nodes,
      ratioToIdle: first.heap / idle.heap,
    },
    {
      case: `${label}: heap after ${(runS / 60).toFixed(1)} min more`,
      value: last.heap / MiB,
      unit: 'MiB',
      nodes: last.nodes,
      ratioToIdle: last.heap / idle.heap,
      ratioToWarm: last.heap / first.heap,
    },
    {
      case: `${label}: heap slope over the run`,
      value: (slope * 60) / 1024,
      unit: 'KiB/min',
      points: heapSeries.map((p) => ({
        t: Math.round(p.t),
        heapMiB: Math.round((p.heap / MiB) * 100) / 100,
        nodes: p.nodes,
      })),
    },
    {
      case: `${label}: ingest → arrival in page, p50`,
      value: latency.arrival.p50,
      unit: 'ms',
      n: latency.arrival.n,
    },
    { case: `${label}: ingest → arrival in page, p99`, value: latency.arrival.p99, unit: 'ms' },
    {
      case: `${label}: ingest → drawn on screen, p50`,
      value: latency.render.p50,
      unit: 'ms',
      n: latency.render.n,
      ratioToArrival: latency.render.p50 / latency.arrival.p50,
    },
    {
      case: `${label}: ingest → drawn on screen, p99`,
      value: latency.render.p99,
      unit: 'ms',
      max: latency.render.max,
      ratioToArrival: latency.render.p99 / latency.arrival.p99,
    },
    {
      case: `${label}: samples received by the page / published`,
      value: receivedInRun / Math.max(1, publishedInRun),
      unit: 'ratio',
      received: receivedInRun,
      published: publishedInRun,
    },
    { case: `${label}: frames received by the page`, value: framesPerS, unit: 'frames/s' },
    { case: `${label}: animation frames while drawing`, value: fps, unit: 'frames/s' },
  ]
}

const byVariant = new Map<Pacing, BenchRow[]>()
for (const pacing of VARIANTS) byVariant.set(pacing, await measure(pacing))
clearInterval(tick)

/** The value of the row whose case ends with `suffix`, in `pacing`'s rows. */
const valueOf = (pacing: Pacing, suffix: string): number =>
  byVariant.get(pacing)!.find((r) => r.case.endsWith(suffix))!.value
const ratios: BenchRow[] = ['drawn on screen, p50', 'drawn on screen, p99'].map((what) => ({
  case: `adaptive / fixed (same run): ingest → ${what}`,
  value: valueOf('adaptive', what) / valueOf('fixed', what),
  unit: 'ratio',
}))
const rows = [...VARIANTS.flatMap((v) => byVariant.get(v)!), ...ratios]
console.table(rows.map((r) => ({ case: r.case, value: Number(r.value.toFixed(3)), unit: r.unit })))
const path = writeResult(
  'dashboard-browser',
  `node --conditions=sluice-src --import tsx bench/dashboard/dashboard-browser.ts --seconds ${SECONDS}`,
  rows,
)
console.log(`wrote ${path}`)

await client.endAsync()
await browser.close()
await broker.close()
rmSync(dir, { recursive: true, force: true })
