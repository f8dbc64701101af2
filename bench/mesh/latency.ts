/**
 * Scenario 3 of issue 7, latency: the mesh (bridge simulator → windowing and anomaly → forwarder, on the
 * embedded broker) at 1 000 and 10 000 samples/s, run two ways: in one process, as `sluice up` runs it by
 * default (issue 16; `bench/lib/one-process.ts`), with the default batching; and one process per service,
 * as `sluice up --processes` runs it, with three batching settings of the bridge. A subscriber on the broker
 * measures, for every window aggregate, the time from its newest sample's `ingest` (`ingestMax`) to its
 * arrival, and for every anomaly event the time from the triggering sample's `ingest`: p50, p95 and p99
 * from ingest to the aggregate and to the event. The simulator injects an anomaly about every 40 samples
 * per sensor, so there are events to rank, and the anomaly service learns for 1 s of event time instead of
 * its default 60 s (every case has sensors of its own, and lasts less than a minute).
 *
 * Sockets: the broker and the services turn Nagle's algorithm off (TCP_NODELAY, issue 16); one case at
 * 1 000 samples/s leaves it on (`bench/lib/tcp-nagle.cjs`) as the baseline in the same run.
 *
 * Batching (DESIGN.md §4, the mesh's `createLinger`): a sample that finds the raw hop free goes out at
 * once; batches form only while the hop is busy, and go out when it is free again, at `maxSamples`, or
 * when their first sample is `maxDelayMs` old.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/latency.ts [--quick]`
 * Writes `bench/results/mesh-latency.json`.
 */
import { startMesh, startOneProcess } from '../lib/mesh.js'
import { percentiles, type Probe } from '../lib/probe.js'
import { join } from 'node:path'
import { launchMode, monitorProcesses, procColumns, repoRoot, sleep } from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
const WARMUP_S = 3
const MEASURE_S = quick ? 6 : 12
const RATES = [
  { total: 1000, devices: 10, hz: 100 },
  { total: 10_000, devices: 100, hz: 100 },
]
// Detectors learn for 60 s of event time by default, longer than a case (each has sensors of its own).
const ANOMALY_ARGS = ['--learning.ms', '1000']
/** Preload that leaves Nagle's algorithm on in every socket: the baseline of issue 16's TCP_NODELAY. */
const NAGLE = join(repoRoot, 'bench/lib/tcp-nagle.cjs')
/** The label of the cases run in one process. */
const ONE_PROCESS = "one process (sluice up's default)"
const BATCHING = [
  { label: 'adaptive batch ≤ 100 / 50 ms (default)', maxSamples: 100, maxDelayMs: 50 },
  { label: 'adaptive batch ≤ 100 / 5 ms', maxSamples: 100, maxDelayMs: 5 },
  { label: 'no batching (1 / 0 ms)', maxSamples: 1, maxDelayMs: 0 },
]

/** The bridge's arguments for one case. */
function bridgeArgs(
  device: string,
  r: (typeof RATES)[number],
  b: (typeof BATCHING)[number],
): string[] {
  return [
    '--mode',
    'sim',
    '--device',
    device,
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
  ]
}

/** Measures one case on a running mesh: warm-up, then latency and the processes' usage. */
async function measure(
  probe: Probe,
  pids: ReadonlyMap<string, number>,
  label: string,
): Promise<void> {
  await sleep(WARMUP_S * 1000)
  const monitor = monitorProcesses(pids, 1000)
  probe.reset()
  await sleep(MEASURE_S * 1000)
  const w = percentiles(probe.latency.window)
  const windowLists = [...probe.latency.byWindow]
    .map(([name, list]) => [name, [...list]] as const)
    .sort((x, y) => x[0].localeCompare(y[0]))
  const byWindow = windowLists
    .map(([name, list]) => `${name} p99 ${percentiles(list).p99.toFixed(1)}`)
    .join(', ')
  const a = percentiles(probe.latency.anomaly)
  const usage = monitor.summary()
  monitor.stop()
  rows.push({
    case: `${label}: ingest → anomaly event p99`,
    value: a.p99,
    unit: 'ms',
    p50: a.p50,
    p95: a.p95,
    max: a.max,
    n: a.n,
    ...procColumns(usage),
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
    `${label.padEnd(64)} anomaly p50 ${a.p50.toFixed(1)} p95 ${a.p95.toFixed(1)} p99 ${a.p99.toFixed(1)} ms (n ${a.n})  window p50 ${w.p50.toFixed(1)} p95 ${w.p95.toFixed(1)} p99 ${w.p99.toFixed(1)} ms (n ${w.n}; ${byWindow})`,
  )
}

const rows: BenchRow[] = []
let run = 0

// One process, as `sluice up` runs by default (issue 16): a fresh process per case, with the default
// batching; at 1 000 samples/s also with Nagle's algorithm left on (the baseline, as before issue 16).
const DEFAULT_BATCHING = BATCHING[0]!
const ONE_PROCESS_CASES = [
  { rate: RATES[0]!, nagle: true, sockets: true },
  { rate: RATES[0]!, nagle: false, sockets: true },
  { rate: RATES[0]!, nagle: false, sockets: false },
  { rate: RATES[1]!, nagle: false, sockets: true },
  { rate: RATES[1]!, nagle: false, sockets: false },
]
for (const c of ONE_PROCESS_CASES) {
  run++
  const one = await startOneProcess(
    [
      ['windowing', []],
      ['anomaly', ANOMALY_ARGS],
      ['forwarder', []],
      ['serial-bridge', bridgeArgs(`lat${run}`, c.rate, DEFAULT_BATCHING)],
    ],
    { latency: true, nodeOptions: c.nagle ? ['--require', NAGLE] : [], inProcessClients: !c.sockets },
  )
  const link = c.sockets ? 'loopback sockets (before)' : 'in-memory streams'
  const label = `${ONE_PROCESS}, ${link}${c.nagle ? ', Nagle on (before)' : ''}`
  await measure(
    one.probe,
    new Map([['one process', one.proc.pid]]),
    `${label}, ${c.rate.total} samples/s, ${DEFAULT_BATCHING.label}`,
  )
  await one.stop()
}

// One process per service (`sluice up --processes`): the consumers stay, a bridge per case.
const mesh = await startMesh({
  services: ['windowing', 'anomaly', 'forwarder'],
  args: { anomaly: ANOMALY_ARGS },
  latency: true,
})
for (const r of RATES) {
  for (const b of BATCHING) {
    run++
    const prefix = `lat${run}-`
    mesh.probe.onlyDevices((d) => d.startsWith(prefix))
    await mesh.add('serial-bridge', bridgeArgs(`lat${run}`, r, b))
    await measure(
      mesh.probe,
      new Map([...mesh.procs].map(([n, p]) => [n, p.pid])),
      `${r.total} samples/s, ${b.label}`,
    )
    await mesh.stopService('serial-bridge')
    await sleep(1000)
  }
}
await mesh.stop()
writeResult(
  'mesh-latency',
  `node --conditions=sluice-src --import tsx bench/mesh/latency.ts${quick ? ' --quick' : ''} (services from ${launchMode()})`,
  rows,
)
