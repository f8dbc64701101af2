/**
 * Issue 14, "Measured (bench)": the full mesh (serial bridge simulating 100 sensors → windowing and
 * anomaly → forwarder with its file sink, each its own process) on four engines in one run: the embedded
 * broker (Aedes), Mosquitto, one nats-server with JetStream, and a 3-node nats-server cluster whose streams
 * have 3 replicas (`--nats.stream.replicas 3`). For each engine: start it, start the consumers, then per
 * offered rate a bridge with sensors of its own (`--device eng<n>`), warm up, and measure over a steady
 * window: samples/s delivered at windowing's and anomaly's raw hops, drops, unexplained loss (new gaps −
 * own drops − the bridge's drops), the raw hops' p99 latency as the services report it in their metrics
 * (the hop's `latency`, from the sample's `ingest` to its processing, per 1 s metrics interval), and the
 * summed CPU and RSS of the services and of the engine's process(es), from /proc.
 *
 * The probe reads the metrics over MQTT: on the embedded broker and Mosquitto directly, on NATS through
 * nats-server's MQTT listener (core publishes on `sluice._sys.*.*.metrics` reach MQTT subscribers of
 * `sluice/_sys/+/+/metrics`).
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/engines.ts [--quick]`
 * Writes `bench/results/mesh-engines.json`.
 */
import { findProgram, startMosquitto, startNatsCluster, startNatsServer } from '@sluice/testkit'
import { droppedTotal, serviceHopDelta } from '../lib/hops.js'
import { startMesh, type ExternalEngine } from '../lib/mesh.js'
import type { MetricsSnapshot, Probe } from '../lib/probe.js'
import { launchMode, monitorProcesses, sleep } from '../lib/procs.js'
import { median, writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
const DEVICES = 100
/** Per-sensor rates (Hz): 100 sensors, so ×100 samples/s offered. */
const RATES_HZ = quick ? [20] : [20, 200]
const WARMUP_S = quick ? 3 : 4
const MEASURE_S = quick ? 4 : 8
const SERVICES = ['windowing', 'anomaly', 'forwarder'] as const

/** A started engine: what the mesh connects to, its processes, and how to stop it. */
interface Engine {
  readonly label: string
  readonly external?: ExternalEngine
  /** Extra flags for every service (e.g. the stream replicas). */
  readonly serviceArgs: readonly string[]
  /** Engine processes by name (the embedded broker's is found in the mesh's own processes). */
  readonly pids: ReadonlyMap<string, number>
  stop(): Promise<void>
}

const ENGINES: readonly { readonly label: string; start(): Promise<Engine> }[] = [
  {
    label: 'embedded broker (Aedes)',
    start: () =>
      Promise.resolve({
        label: 'embedded broker (Aedes)',
        serviceArgs: [],
        pids: new Map(),
        stop: () => Promise.resolve(),
      }),
  },
  {
    label: 'Mosquitto',
    async start() {
      const m = await startMosquitto()
      return {
        label: 'Mosquitto',
        external: { url: m.url },
        serviceArgs: [],
        pids: new Map(m.pid === undefined ? [] : [['mosquitto', m.pid]]),
        stop: () => m.stop(),
      }
    },
  },
  {
    label: 'NATS, one node',
    async start() {
      const n = await startNatsServer({ mqtt: true })
      return {
        label: 'NATS, one node',
        external: { url: n.url, probeUrl: n.mqttUrl! },
        serviceArgs: [],
        pids: new Map(n.pid === undefined ? [] : [['nats-server', n.pid]]),
        stop: () => n.stop(),
      }
    },
  },
  {
    label: 'NATS, 3 nodes, R3',
    async start() {
      const c = await startNatsCluster(3, { mqtt: true })
      return {
        label: 'NATS, 3 nodes, R3',
        external: { url: c.urls.join(','), probeUrl: c.nodes[0]!.mqttUrl! },
        serviceArgs: ['--nats.stream.replicas', '3'],
        pids: new Map(
          c.nodes.flatMap((node, i) =>
            node.pid === undefined ? [] : [[`nats-${i + 1}`, node.pid]],
          ),
        ),
        stop: () => c.stop(),
      }
    },
  },
]

/** New sequence gaps at `consumer` minus its own counted drops and the bridge's (which it sees as gaps). */
function unexplained(
  consumer: string,
  a: ReadonlyMap<string, MetricsSnapshot>,
  b: ReadonlyMap<string, MetricsSnapshot>,
): number {
  const ha = a.get(consumer)?.hops.raw
  const hb = b.get(consumer)?.hops.raw
  const bridgeDropped =
    droppedTotal(b.get('serial-bridge')?.hops.raw) - droppedTotal(a.get('serial-bridge')?.hops.raw)
  return (hb?.gaps ?? 0) - (ha?.gaps ?? 0) - (droppedTotal(hb) - droppedTotal(ha)) - bridgeDropped
}

/** Collects every raw-hop latency p99 the services report (one per metrics interval) until stopped. */
function collectHopP99(probe: Probe, services: readonly string[]): () => Map<string, number[]> {
  const seen = new Map<string, number>()
  const out = new Map<string, number[]>(services.map((s) => [s, []]))
  const read = (): void => {
    for (const s of services) {
      const m = probe.metrics.get(s)
      if (m === undefined || seen.get(s) === m.t) continue
      seen.set(s, m.t)
      const p99 = m.hops.raw?.latency?.p99
      if (typeof p99 === 'number' && Number.isFinite(p99)) out.get(s)!.push(p99)
    }
  }
  read() // the snapshot already there predates the window: mark it seen, then drop what it gave
  for (const list of out.values()) list.length = 0
  const timer = setInterval(read, 200)
  return () => {
    clearInterval(timer)
    read()
    return out
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10

const rows: BenchRow[] = []
const skipped: string[] = []
let run = 0
for (const spec of ENGINES) {
  const program =
    spec.label === 'Mosquitto' ? 'mosquitto' : spec.label.startsWith('NATS') ? 'nats-server' : ''
  if (program !== '' && !findProgram(program).available) {
    skipped.push(`${spec.label}: ${program} not installed`)
    console.log(`skip ${spec.label}: ${program} not installed`)
    continue
  }
  const engine = await spec.start()
  const mesh = await startMesh({
    services: SERVICES,
    args: Object.fromEntries(SERVICES.map((s) => [s, engine.serviceArgs])),
    ...(engine.external === undefined ? {} : { engine: engine.external }),
  }).catch(async (err: unknown) => {
    await engine.stop()
    throw err
  })
  try {
    for (const hz of RATES_HZ) {
      run++
      const offered = hz * DEVICES
      await mesh.add('serial-bridge', [
        ...engine.serviceArgs,
        '--mode',
        'sim',
        '--device',
        `eng${run}`,
        '--sim.devices',
        String(DEVICES),
        '--sim.rateHz',
        String(hz),
        '--sim.anomalyEvery',
        '2000',
      ])
      const servicePids = new Map([...mesh.procs].map(([n, p]) => [n, p.pid] as const))
      const enginePids = new Map(engine.pids)
      const embedded = servicePids.get('broker')
      if (embedded !== undefined) {
        servicePids.delete('broker')
        enginePids.set('broker', embedded)
      }
      const monitor = monitorProcesses(new Map([...servicePids, ...enginePids]), 1000)
      await sleep(WARMUP_S * 1000)
      await mesh.probe.nextMetrics('anomaly')
      const a = new Map(mesh.probe.metrics)
      monitor.mark()
      const stopLatency = collectHopP99(mesh.probe, ['windowing', 'anomaly'])
      await sleep(MEASURE_S * 1000)
      await mesh.probe.nextMetrics('anomaly')
      const b = new Map(mesh.probe.metrics)
      const p99s = stopLatency()
      const usage = monitor.summary()
      monitor.stop()
      const raw = (s: string) => serviceHopDelta(a.get(s), b.get(s), 'raw')
      const bridge = raw('serial-bridge')
      const win = raw('windowing')
      const ano = raw('anomaly')
      const lost = unexplained('windowing', a, b) + unexplained('anomaly', a, b)
      const sum = (pids: ReadonlyMap<string, number>, f: (n: string) => number): number =>
        [...pids.keys()].reduce((x, n) => x + f(n), 0)
      const cpu = (n: string): number => usage.get(n)?.cpuPercent ?? 0
      const rss = (n: string): number => usage.get(n)?.rssMaxMB ?? 0
      const winP99 = p99s.get('windowing') ?? []
      const anoP99 = p99s.get('anomaly') ?? []
      const delivered = Math.min(win.outRate, ano.outRate)
      const dropped = win.dropped + ano.dropped + bridge.dropped
      rows.push({
        case: `${engine.label}, offered ${offered} samples/s`,
        value: Math.round(delivered),
        unit: 'samples/s',
        engine: engine.label,
        offered,
        published: Math.round(bridge.outRate),
        windowing: Math.round(win.outRate),
        anomaly: Math.round(ano.outRate),
        dropped,
        // Where: at the bridge's edge (its simulator's catch-up bursts) or at the consumers' raw hops.
        'bridge dropped': bridge.dropped,
        'consumers dropped': win.dropped + ano.dropped,
        unexplainedLoss: lost,
        // Median and worst of the per-interval p99s the hops reported over the window.
        'windowing p99 ms': round1(median(winP99)),
        'windowing worst p99 ms': round1(Math.max(...winP99)),
        'anomaly p99 ms': round1(median(anoP99)),
        'anomaly worst p99 ms': round1(Math.max(...anoP99)),
        'services cpu%': Math.round(sum(servicePids, cpu)),
        'services MB': Math.round(sum(servicePids, rss)),
        'engine cpu%': Math.round(sum(enginePids, cpu)),
        'engine MB': Math.round(sum(enginePids, rss)),
        keepsUp: dropped === 0 && lost === 0 && delivered >= 0.95 * offered ? 'yes' : 'no',
      })
      const r = rows.at(-1)!
      console.log(
        `${r.case.padEnd(48)} published ${String(r.published)}/s  windowing ${String(r.windowing)}/s  anomaly ${String(r.anomaly)}/s  drops ${dropped} (bridge ${bridge.dropped})  unexplained ${lost}  p99 win ${String(r['windowing p99 ms'])} (worst ${String(r['windowing worst p99 ms'])}) ano ${String(r['anomaly p99 ms'])} (worst ${String(r['anomaly worst p99 ms'])}) ms  services ${String(r['services cpu%'])}% ${String(r['services MB'])} MB  engine ${String(r['engine cpu%'])}% ${String(r['engine MB'])} MB`,
      )
      await mesh.stopService('serial-bridge')
      await sleep(1000)
    }
  } finally {
    const codes = await mesh.stop()
    await engine.stop()
    console.log(`${engine.label}: exits ${JSON.stringify(codes)}`)
  }
}
for (const s of skipped) rows.push({ case: `skipped: ${s}`, value: NaN, unit: 'samples/s' })
writeResult(
  'mesh-engines',
  `node --conditions=sluice-src --import tsx bench/mesh/engines.ts${quick ? ' --quick' : ''} (services from ${launchMode()})`,
  rows,
)
