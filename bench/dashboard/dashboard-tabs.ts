/**
 * The dashboard server's memory with many browser tabs (issue 11: 520 sensors and ~140 tabs took it from
 * 229 MB to 6 GB and out of memory). The broker and the dashboard run in this process; `--sensors`
 * (default 520) sensors at `--rate` Hz (default 10) publish one message per sample through the broker,
 * each sensor's history is full before the tabs come, and `--tabs` (default 140) event streams connect in
 * waves of 20, one in three never reading (a background tab, a stalled link), the rest reading and
 * discarding. The dashboard runs with its defaults (`maxClients` 64, `clientBacklogBytes` 4 MiB), or
 * `--maxClients N`.
 *
 * Every `--every` seconds (default 10) it records the V8 heap plus Buffers after a full GC, and the RSS, of
 * this process; the baseline is the same before any tab connects. Over `--seconds` (default 300; 30 with
 * `--quick`) the heap should step up once as the tabs connect and then stay flat.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/dashboard/dashboard-tabs.ts
 * [--seconds 300] [--sensors 520] [--tabs 140] [--maxClients 64] [--quick]`.
 * Writes `bench/results/dashboard-tabs.json`.
 */
import { request, type IncomingMessage } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { startBroker, silentBrokerLogger } from '@sluice/broker'
import { encodeText, rawTopic } from '@sluice/contract'
import mqtt from 'mqtt'
import { startDashboard } from '../lib/dashboard.js'
import { writeResult, type BenchRow } from '../lib/results.js'

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : undefined
  return raw === undefined ? fallback : Number(raw)
}

const quick = process.argv.includes('--quick')
const SECONDS = argument('seconds', quick ? 30 : 300)
const SENSORS = argument('sensors', 520)
const RATE_HZ = argument('rate', 10)
const TABS = argument('tabs', 140)
const MAX_CLIENTS = argument('maxClients', 64)
const EVERY_S = argument('every', quick ? 5 : 10)
const HISTORY = 1200
const MiB = 1024 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function memory(): { heap: number; rss: number } {
  gc()
  gc()
  const m = process.memoryUsage()
  return { heap: (m.heapUsed + m.arrayBuffers) / MiB, rss: m.rss / MiB }
}

function openTab(url: string, read: boolean): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('events', url), (res) => {
      if (read || res.statusCode !== 200) res.resume()
      else res.pause()
      resolve(res)
    })
    req.on('error', reject)
    req.end()
  })
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-dashboard-tabs-'))
const broker = await startBroker({ host: '127.0.0.1', port: 0, logger: silentBrokerLogger })
const dashboard = await startDashboard(broker.url, dir, {
  instance: 'bench',
  maxClients: MAX_CLIENTS,
  logLevel: 'error',
})
// The serial bridge's client id, so that the broker's ACL lets it publish raw topics.
const client = await mqtt.connectAsync(broker.url, { clientId: 'sluice-serial-bridge-benchtabs' })
const topics = Array.from({ length: SENSORS }, (_, s) => rawTopic('sluice', `dev-${s}`, 'ch'))

interface Stats {
  readonly sensors: number
  readonly refusedBrowsers: number
  readonly snapshots: number
  readonly skippedFrames: number
}

async function stats(): Promise<Stats> {
  const res = await fetch(new URL('api/state', dashboard.url))
  return ((await res.json()) as { stats: Stats }).stats
}

// Full history first, a batch per sensor, in steps the dashboard's raw hop (50 000 samples) can take.
const t0 = Date.now() - HISTORY * (1000 / RATE_HZ)
for (let s = 0; s < SENSORS; s += 20) {
  for (let k = s; k < Math.min(SENSORS, s + 20); k++) {
    const seq = Array.from({ length: HISTORY }, (_, n) => n)
    const t = seq.map((n) => t0 + n * (1000 / RATE_HZ))
    const value = seq.map((n) => Math.sin(n / 20 + k) * 100 + 500)
    await client.publishAsync(topics[k]!, JSON.stringify({ seq, t, value, ingest: t }))
  }
  while ((await stats()).sensors < Math.min(SENSORS, s + 20)) await sleep(50)
}

// Then live: one message per sample, every sensor at RATE_HZ.
let seq = HISTORY
const live = setInterval(() => {
  const now = Date.now()
  for (const topic of topics)
    client.publish(topic, encodeText({ seq, t: now, value: 500, ingest: now }))
  seq++
}, 1000 / RATE_HZ)

await sleep(5000)
const baseline = memory()
const started = Date.now()
const points: { x: number; heap: number; rss: number }[] = [{ x: 0, ...baseline }]
console.log(
  `baseline: heap+buffers ${baseline.heap.toFixed(1)} MiB, RSS ${baseline.rss.toFixed(1)} MiB`,
)

const tabs: IncomingMessage[] = []
for (let wave = 0; wave < TABS; wave += 20) {
  const n = Math.min(20, TABS - wave)
  tabs.push(
    ...(await Promise.all(
      Array.from({ length: n }, (_, k) => openTab(dashboard.url, (wave + k) % 3 !== 0)),
    )),
  )
  await sleep(1000)
}
const accepted = tabs.filter((t) => t.statusCode === 200).length

let next = EVERY_S
while ((Date.now() - started) / 1000 < SECONDS) {
  await sleep(Math.max(0, started + next * 1000 - Date.now()))
  const m = memory()
  points.push({ x: next, ...m })
  console.log(`${next} s: heap+buffers ${m.heap.toFixed(1)} MiB, RSS ${m.rss.toFixed(1)} MiB`)
  next += EVERY_S
}
clearInterval(live)
const s = await stats()
const peak = Math.max(...points.map((p) => p.heap))
const last = points.at(-1)!
const command =
  `node --conditions=sluice-src --import tsx bench/dashboard/dashboard-tabs.ts --seconds ${SECONDS} ` +
  `--sensors ${SENSORS} --tabs ${TABS} --maxClients ${MAX_CLIENTS}${quick ? ' --quick' : ''}`
const rows: BenchRow[] = [
  { case: 'heap + buffers, before the tabs', value: round(baseline.heap), unit: 'MiB' },
  { case: 'heap + buffers, peak with the tabs', value: round(peak), unit: 'MiB' },
  { case: 'heap + buffers, end of the run', value: round(last.heap), unit: 'MiB' },
  { case: 'RSS, end of the run', value: round(last.rss), unit: 'MiB' },
  {
    case: 'tabs',
    value: TABS,
    unit: 'tabs',
    accepted,
    refused: s.refusedBrowsers,
    snapshots: s.snapshots,
    skippedFrames: s.skippedFrames,
    sensors: SENSORS,
    // Plotted by run-all.ts: memory over time.
    series: [
      { name: 'heap + buffers', points: points.map((p) => ({ x: p.x, y: round(p.heap) })) },
      { name: 'RSS', points: points.map((p) => ({ x: p.x, y: round(p.rss) })) },
    ],
  },
]
console.log(
  `${accepted} of ${TABS} tabs accepted, ${s.refusedBrowsers} refused, ${s.snapshots} snapshots, ` +
    `${s.skippedFrames} frames skipped; heap+buffers ${baseline.heap.toFixed(1)} → peak ${peak.toFixed(1)} MiB`,
)
console.log(`wrote ${writeResult('dashboard-tabs', command, rows)}`)

function round(x: number): number {
  return Math.round(x * 10) / 10
}

for (const t of tabs) t.destroy()
await client.endAsync()
await dashboard.stop()
await broker.close()
rmSync(dir, { recursive: true, force: true })
