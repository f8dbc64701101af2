/**
 * Scenario 2 of issue 7, full-mesh throughput: the serial bridge simulating 100 sensors → windowing and
 * anomaly → forwarder (file sink), every service its own process on the embedded broker, as `sluice up
 * --processes` runs them (with `--one-process`: the broker and every service in one process on one event
 * loop, `sluice up`'s default, through `bench/lib/one-process.ts`). The simulated rate is stepped up (rate
 * commands on `sluice/{device}/_ctl/rate`, so nothing restarts between steps) until the mesh no longer
 * keeps up; at each step the delivered samples/s at every hop, the drops and the unexplained loss of the
 * QoS 1 hops (from the services' own metrics), and CPU and RSS of every process (from /proc) are measured
 * over a steady window after a warm-up. A service's rates are over the interval between its own metrics
 * stamps (`serviceHopDelta`).
 *
 * The simulator pauses while the bridge's outbound queue is over 90 % full and catches up afterwards, so
 * above the mesh's capacity the bridge publishes what the broker and the consumers take, without loss.
 * The sustained rate is the highest step at which both consumers deliver what the bridge published with
 * zero drops and zero unexplained loss.
 *
 * A second series offers load from a benchmark-only publisher (`bench/lib/load-gen.ts`, its own process,
 * the bridge's exact payloads, 100 sensors, batches of 100, QoS 1) at paced rates, so the consumers'
 * capacity is measured without the bridge's own cost (the simulator and the encoding) in the way.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/throughput.ts [--quick] [--cpu-prof]
 * [--aggregates-alone] [--one-process [--node <binary>]]`. Writes `bench/results/mesh-throughput.json`;
 * with `--aggregates-alone` (the windowing service sends every aggregate in its own message,
 * `--batch.maxAggregates 1`, the baseline of issue 16's window batches)
 * `bench/results/mesh-throughput-aggregates-alone.json`, with `--one-process`
 * `bench/results/mesh-throughput-one-process.json`. `--node` runs the one process on another Node binary
 * (e.g. Node 24 LTS from the npm package `node@24`, what a Pi pulls), and the results go to
 * `mesh-throughput-one-process-node<major>.json`; the publisher and this script stay on this Node.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { droppedTotal, serviceHopDelta } from '../lib/hops.js'
import { startLoad } from '../lib/load.js'
import { startMesh, startOneProcess, type RunningMesh } from '../lib/mesh.js'
import type { MetricsSnapshot } from '../lib/probe.js'
import {
  launchMode,
  monitorProcesses,
  nodeBinary,
  nodeFlag,
  nodeSuffix,
  procColumns,
  repoRoot,
  sleep,
} from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
// The baseline of issue 16's window batches: every aggregate in its own message, as before them.
const aggregatesAlone = process.argv.includes('--aggregates-alone')
const cpuProf = process.argv.includes('--cpu-prof')
// `sluice up`'s default: the broker and every service in one process, on one event loop.
const oneProcess = process.argv.includes('--one-process')
/** Another Node for the one process (`--node <binary>`). */
const otherNode = nodeFlag()
if (otherNode !== undefined && !oneProcess) {
  console.error('throughput: --node runs the one process on that Node: use it with --one-process')
  process.exit(2)
}
/** The Node the mesh runs on. */
const runtime = otherNode ?? nodeBinary()
const DEVICES = 100
/** Per-device rates (Hz) of the steps: 100 devices, so ×100 samples/s in all. */
const STEPS = quick ? [200, 1000] : [100, 500, 1000, 2000, 3000]
/** Paced rates (samples/s) of the benchmark-only publisher; 250 000 is issue 16's target. */
const LOAD_STEPS = quick ? [50_000, 200_000] : [50_000, 100_000, 200_000, 250_000, 300_000]
const WARMUP_S = quick ? 3 : 4
const MEASURE_S = quick ? 5 : 8

const profDir = join(repoRoot, 'bench', 'results', 'tmp', 'prof')
if (cpuProf) mkdirSync(profDir, { recursive: true })
const prof = cpuProf ? { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] } : undefined

const SERVICES = ['windowing', 'anomaly', 'forwarder', 'serial-bridge'] as const
/** Flags per service (the bridge simulates the sensors). */
const ARGS: Partial<Record<(typeof SERVICES)[number], readonly string[]>> = {
  ...(aggregatesAlone ? { windowing: ['--batch.maxAggregates', '1'] } : {}),
  'serial-bridge': [
    '--mode',
    'sim',
    '--sim.devices',
    String(DEVICES),
    // Start slow: a cold start at full rate is a burst the simulator then catches up on.
    '--sim.rateHz',
    '10',
    '--sim.anomalyEvery',
    '2000',
  ],
}

/** The mesh under test, its processes by name (one, named `one process`, with `--one-process`). */
async function startUnderTest(): Promise<Pick<RunningMesh, 'url' | 'procs' | 'probe' | 'stop'>> {
  if (!oneProcess)
    return startMesh({
      services: SERVICES,
      args: ARGS,
      ...(prof ? { start: Object.fromEntries([...SERVICES, 'broker'].map((s) => [s, prof])) } : {}),
    })
  const m = await startOneProcess(
    SERVICES.map((s) => [s, ARGS[s] ?? []] as const),
    { ...prof, ...(otherNode === undefined ? {} : { node: otherNode.path }) },
  )
  return {
    url: m.url,
    procs: new Map([['one process', m.proc]]),
    probe: m.probe,
    stop: async () => ({ 'one process': await m.stop() }),
  }
}
console.log(`mesh on Node ${runtime.version}${oneProcess ? ', in one process' : ''}`)
const mesh = await startUnderTest()
// The probe is an operator client: it may send rate commands (broker ACL) and nothing else.
const ctl = await mqtt.connectAsync(mesh.url, { clientId: `bench-ctl-${process.pid}` })

async function setRate(hz: number): Promise<void> {
  for (let d = 1; d <= DEVICES; d++)
    await ctl.publishAsync(`sluice/sim-${d}/_ctl/rate`, JSON.stringify({ hz }), { qos: 1 })
}

const snap = (): Map<string, MetricsSnapshot> => new Map(mesh.probe.metrics)
const brokerSnap = (): Map<string, number> =>
  new Map(['windowing', 'anomaly'].map((c) => [c, mesh.probe.atBroker(c).dropped]))
await sleep(3000)

/**
 * End-to-end unexplained loss at a consumer between two snapshots: its new sequence gaps minus its own
 * counted drops, minus the samples the bridge dropped at the edge, and minus what the broker dropped from
 * the consumer's own queue (both of which the consumer sees as gaps).
 */
function unexplained(
  consumer: string,
  a: Map<string, MetricsSnapshot>,
  b: Map<string, MetricsSnapshot>,
  brokerA: Map<string, number>,
  brokerB: Map<string, number>,
): number {
  const ha = a.get(consumer)?.hops.raw
  const hb = b.get(consumer)?.hops.raw
  const bridgeDropped =
    droppedTotal(b.get('serial-bridge')?.hops.raw) - droppedTotal(a.get('serial-bridge')?.hops.raw)
  const atBroker = (brokerB.get(consumer) ?? 0) - (brokerA.get(consumer) ?? 0)
  return (
    (hb?.gaps ?? 0) -
    (ha?.gaps ?? 0) -
    (droppedTotal(hb) - droppedTotal(ha)) -
    bridgeDropped -
    atBroker
  )
}

const rows: BenchRow[] = []
let sustained = 0
let sustainedLoad = 0
/** Highest delivered rate with zero unexplained loss, counted drops allowed (the target's wording). */
let accounted = 0

/** Measures one step and adds its row; returns whether the ramp should go on. */
async function step(
  label: string,
  offered: number,
  source: 'bridge' | 'publisher',
  warmupS: number,
  measureS: number,
  extraPids: Map<string, number> = new Map(),
): Promise<boolean> {
  const monitor = monitorProcesses(
    new Map([...[...mesh.procs].map(([n, p]) => [n, p.pid] as const), ...extraPids]),
    1000,
  )
  await sleep(warmupS * 1000)
  const a = snap()
  const brokerA = brokerSnap()
  const routedA = mesh.probe.atBroker('windowing').routed
  monitor.mark()
  await sleep(measureS * 1000)
  // Wait for the next metrics of the last consumer, so both snapshots are whole intervals apart.
  await mesh.probe.nextMetrics('anomaly')
  const b = snap()
  const brokerB = brokerSnap()
  const routed = mesh.probe.atBroker('windowing').routed - routedA
  const usage = monitor.summary()
  monitor.stop()
  const rates = (s: string, h: string) => serviceHopDelta(a.get(s), b.get(s), h)
  const bridge = rates('serial-bridge', 'raw')
  const win = rates('windowing', 'raw')
  const ano = rates('anomaly', 'raw')
  const fwd = rates('forwarder', 'in')
  const lost =
    unexplained('windowing', a, b, brokerA, brokerB) +
    unexplained('anomaly', a, b, brokerA, brokerB)
  const bridgeDropped = source === 'bridge' ? bridge.dropped : 0
  const clean = win.dropped === 0 && ano.dropped === 0 && lost === 0 && bridgeDropped === 0
  const meshCpu = [...usage]
    .filter(([n]) => n !== 'load-gen')
    .reduce((x, [, u]) => x + u.cpuPercent, 0)
  const delivered = Math.min(win.outRate, ano.outRate)
  const published = source === 'bridge' ? bridge.outRate : win.inRate
  // "Keeps up": both consumers deliver what was offered (within 5 %: the metrics intervals do not line
  // up exactly), with no drop and no unexplained loss.
  const keepsUp = clean && delivered >= 0.95 * offered
  if (lost === 0 && delivered >= 0.95 * offered) accounted = Math.max(accounted, delivered)
  if (clean && keepsUp) {
    if (source === 'bridge') sustained = Math.max(sustained, delivered)
    else sustainedLoad = Math.max(sustainedLoad, delivered)
  }
  // Raw samples per message the broker routed to windowing (its few other messages included): how much
  // of each message's fixed cost a sample carries.
  const winIn = (b.get('windowing')?.hops.raw?.in ?? 0) - (a.get('windowing')?.hops.raw?.in ?? 0)
  const perMessage = Math.round((10 * winIn) / Math.max(routed, 1)) / 10
  const procs = procColumns(usage)
  rows.push({
    case: label,
    value: delivered,
    unit: 'samples/s',
    offered,
    published: Math.round(published),
    windowing: Math.round(win.outRate),
    anomaly: Math.round(ano.outRate),
    forwarderIn: Math.round(fwd.inRate),
    'samples/message': perMessage,
    dropped: win.dropped + ano.dropped + bridgeDropped,
    unexplainedLoss: lost,
    'mesh cpu%': Math.round(meshCpu),
    // Samples delivered per CPU-second of the whole mesh: robust to other work on the two cores.
    'samples/cpu-s': Math.round(delivered / Math.max(meshCpu / 100, 1e-9)),
    keepsUp: keepsUp ? 'yes' : 'no',
    ...procs,
  })
  console.log(
    `${label.padEnd(44)} published ${Math.round(published)}/s  ${perMessage} samples/message  windowing ${Math.round(win.outRate)}/s  anomaly ${Math.round(ano.outRate)}/s  drops ${win.dropped + ano.dropped + bridgeDropped}  unexplained ${lost}  mesh ${Math.round(meshCpu)}%  ` +
      Object.entries(procs)
        .map(([n, v]) => `${n} ${v}`)
        .join('  '),
  )
  // Past capacity when the consumers deliver clearly less than offered; a few drops alone do not stop
  // the ramp.
  return delivered >= 0.9 * offered
}

// Series 1: the benchmark-only publisher at paced rates (the bridge idles at 10 Hz meanwhile).
for (const [i, rate] of LOAD_STEPS.entries()) {
  const load = startLoad({
    url: mesh.url,
    devices: DEVICES,
    rate,
    batch: 100,
    qos: 1,
    seconds: WARMUP_S + MEASURE_S + 3,
    devicePrefix: `load${i}`,
  })
  await load.ready
  const goOn = await step(
    `publisher: offered ${rate} samples/s`,
    rate,
    'publisher',
    WARMUP_S,
    MEASURE_S,
    new Map([['load-gen', load.proc.pid]]),
  )
  const report = await load.done
  console.log(`  publisher sent ${Math.round(report.samples / report.seconds)} samples/s`)
  await sleep(2000)
  if (!goOn) break
}

// Series 2: the bridge's simulator, stepped up with rate commands.
for (const hz of STEPS) {
  await setRate(hz)
  const goOn = await step(
    `bridge: offered ${hz * DEVICES} samples/s (100 × ${hz} Hz)`,
    hz * DEVICES,
    'bridge',
    WARMUP_S,
    MEASURE_S,
  )
  if (!goOn && hz !== STEPS[0]) break // past capacity: further steps only repeat it
}

/**
 * Lets the mesh settle before the whole-run balance. The ramp ends on an overloaded step, and right after
 * it the services' metrics are of different moments of a backlog: the bridge has counted drops whose gaps
 * no consumer has seen yet (a dropped sample is a gap only once a later sample of its sensor arrives), and
 * a consumer has seen gaps from broker drops that the broker's last metrics, up to a second older, do not
 * count yet. So: back to 10 Hz, which gives every sensor later samples, until no queue on the way holds
 * anything (the raw hops, the broker's queues of the consumers), then fresh metrics from every service.
 * At a steady 10 Hz with nothing queued, no term of the balance moves.
 */
async function settle(): Promise<void> {
  await setRate(10)
  const deadline = Date.now() + 60_000
  for (;;) {
    await sleep(2000)
    for (const s of [...SERVICES, 'broker']) await mesh.probe.nextMetrics(s)
    const m = snap()
    const inHops = ['serial-bridge', 'windowing', 'anomaly'].reduce(
      (sum, s) => sum + (m.get(s)?.hops.raw?.queue.length ?? 0),
      0,
    )
    const atBroker = mesh.probe.atBroker('windowing').queued + mesh.probe.atBroker('anomaly').queued
    if (inHops + atBroker === 0) return
    if (Date.now() > deadline) {
      console.log(`  not settled after 60 s: ${inHops} queued in hops, ${atBroker} at the broker`)
      return
    }
  }
}

// Totals over the whole run from the last metrics: every QoS 1 hop accounted for.
await settle()
const last = snap()
const totals = (['windowing', 'anomaly'] as const).map((s) => {
  const h = last.get(s)?.hops.raw
  return {
    s,
    gaps: h?.gaps ?? NaN,
    loss: h?.unexplainedLoss ?? NaN,
    dropped: droppedTotal(h),
    atBroker: mesh.probe.atBroker(s).dropped,
  }
})
const bridgeDropsTotal = droppedTotal(last.get('serial-bridge')?.hops.raw)
await ctl.endAsync()
const codes = await mesh.stop()
rows.push({ case: 'sustained, bridge (highest clean step)', value: sustained, unit: 'samples/s' })
rows.push({
  case: 'sustained with zero unexplained loss, counted drops allowed (highest step)',
  value: accounted,
  unit: 'samples/s',
})
rows.push({
  case: 'sustained, publisher (highest clean step)',
  value: sustainedLoad,
  unit: 'samples/s',
})
for (const t of totals)
  rows.push({
    case: `${t.s} raw hop, whole run: gaps − own drops − bridge drops − broker drops`,
    value: t.gaps - t.dropped - bridgeDropsTotal - t.atBroker,
    unit: 'samples',
    gaps: t.gaps,
    dropped: t.dropped,
    bridgeDropped: bridgeDropsTotal,
    brokerDropped: t.atBroker,
  })
console.log(
  `sustained: bridge ${Math.round(sustained)}, publisher ${Math.round(sustainedLoad)} samples/s; exits ${JSON.stringify(codes)}`,
)
const onNode = otherNode === undefined ? '' : ` --node ${otherNode.path}`
const flags = `${quick ? ' --quick' : ''}${aggregatesAlone ? ' --aggregates-alone' : ''}${oneProcess ? ' --one-process' : ''}${onNode}`
writeResult(
  `mesh-throughput${aggregatesAlone ? '-aggregates-alone' : ''}${oneProcess ? '-one-process' : ''}${otherNode === undefined ? '' : nodeSuffix(otherNode)}`,
  `node --conditions=sluice-src --import tsx bench/mesh/throughput.ts${flags} (services from ${launchMode()})`,
  rows,
  runtime.version,
)
