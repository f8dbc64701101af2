/**
 * Scenario 3 of issue 7, latency: the mesh as `sluice up` runs it (bridge simulator → windowing and anomaly
 * → forwarder, each its own process on the embedded broker) at 1 000 and 10 000 samples/s, with three batching
 * settings of the bridge. A subscriber on the broker measures, for every window aggregate, the time from
 * its newest sample's `ingest` (`ingestMax`) to its arrival, and for every anomaly event the time from the
 * triggering sample's `ingest`: p50, p95 and p99 from ingest to the aggregate and to the event. The
 * simulator injects an anomaly about every 40 samples per sensor, so there are enough events to rank.
 *
 * Batching (DESIGN.md §4): a batch goes out at `maxSamples` or when its first sample is `maxDelayMs` old,
 * and a sample arriving after `maxDelayMs` of silence goes out at once. At 100 Hz per sensor a sample
 * comes every 10 ms, so with the default (100, 50 ms) most samples wait for the deadline.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/latency.ts [--quick]`
 * Writes `bench/results/mesh-latency.json`.
 */
import { startMesh } from '../lib/mesh.js'
import { percentiles } from '../lib/probe.js'
import { launchMode, monitorProcesses, procColumns, sleep } from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
const WARMUP_S = 3
const MEASURE_S = quick ? 6 : 12
const RATES = [
  { total: 1000, devices: 10, hz: 100 },
  { total: 10_000, devices: 100, hz: 100 },
]
const BATCHING = [
  { label: 'batch 100 / 50 ms (default)', maxSamples: 100, maxDelayMs: 50 },
  { label: 'batch 100 / 5 ms', maxSamples: 100, maxDelayMs: 5 },
  { label: 'no batching (1 / 0 ms)', maxSamples: 1, maxDelayMs: 0 },
]

const mesh = await startMesh({ services: ['windowing', 'anomaly', 'forwarder'], latency: true })
const rows: BenchRow[] = []
let run = 0
for (const r of RATES) {
  for (const b of BATCHING) {
    run++
    const prefix = `lat${run}-`
    mesh.probe.onlyDevices((d) => d.startsWith(prefix))
    await mesh.add('serial-bridge', [
      '--mode',
      'sim',
      '--device',
      `lat${run}`,
      '--sim.devices',
      String(r.devices),
      '--sim.rateHz',
      String(r.hz),
      '--sim.anomalyEvery',
      '40',
      '--batch.maxSamples',
      String(b.maxSamples),
      '--batch.maxDelayMs',
      String(b.maxDelayMs),
    ])
    await sleep(WARMUP_S * 1000)
    const monitor = monitorProcesses(new Map([...mesh.procs].map(([n, p]) => [n, p.pid])), 1000)
    mesh.probe.reset()
    await sleep(MEASURE_S * 1000)
    const w = percentiles(mesh.probe.latency.window)
    const windowLists = [...mesh.probe.latency.byWindow]
      .map(([name, list]) => [name, [...list]] as const)
      .sort((x, y) => x[0].localeCompare(y[0]))
    const byWindow = windowLists
      .map(([name, list]) => `${name} p99 ${percentiles(list).p99.toFixed(1)}`)
      .join(', ')
    const a = percentiles(mesh.probe.latency.anomaly)
    const usage = monitor.summary()
    monitor.stop()
    await mesh.stopService('serial-bridge')
    const label = `${r.total} samples/s, ${b.label}`
    const extra = { ...procColumns(usage) }
    rows.push({
      case: `${label}: ingest → anomaly event p99`,
      value: a.p99,
      unit: 'ms',
      p50: a.p50,
      p95: a.p95,
      max: a.max,
      n: a.n,
      ...extra,
    })
    rows.push({
      case: `${label}: ingest → window aggregate p99`,
      value: w.p99,
      unit: 'ms',
      p50: w.p50,
      p95: w.p95,
      max: w.max,
      n: w.n,
    })
    // Count windows close on their last sample; time windows close when the watermark passes their end
    // plus the allowed lateness (DESIGN.md §7), so they are shown apart.
    for (const [name, list] of windowLists) {
      const p = percentiles(list)
      rows.push({
        case: `${label}: ingest → window ${name} p99`,
        value: p.p99,
        unit: 'ms',
        p50: p.p50,
        p95: p.p95,
        max: p.max,
        n: p.n,
      })
    }
    console.log(
      `${label.padEnd(48)} anomaly p50 ${a.p50.toFixed(1)} p95 ${a.p95.toFixed(1)} p99 ${a.p99.toFixed(1)} ms (n ${a.n})  window p50 ${w.p50.toFixed(1)} p95 ${w.p95.toFixed(1)} p99 ${w.p99.toFixed(1)} ms (n ${w.n}; ${byWindow})`,
    )
    await sleep(1000)
  }
}
await mesh.stop()
writeResult(
  'mesh-latency',
  `node --conditions=sluice-src --import tsx bench/mesh/latency.ts${quick ? ' --quick' : ''} (services from ${launchMode()})`,
  rows,
)
