/**
 * @module bench/mesh/cpu-per-sample
 * CPU per sample of the mesh in one process (`sluice up`'s default) at fixed loads, this checkout against
 * another (`--against <checkout>`, built, with `bench/lib/one-process.ts`), in alternating rounds. On this
 * shared machine the same build measured 82 % and 95 % of a core at one load half an hour apart (issue 16),
 * more than most changes move it, so a change is only compared with a baseline measured in the same rounds.
 *
 * The loads, each below one core so that the CPU is what the work costs and not the ceiling:
 * - **publisher**: the benchmark-only publisher (`bench/lib/load-gen.ts`, its own process, not counted):
 *   100 sensors, batches of 100 samples, QoS 1, at 150 000 samples/s, into windowing, anomaly and the
 *   forwarder: the cost per sample.
 * - **bridge**: the serial bridge simulating 100 sensors at 100 Hz, one sample per message, with the same
 *   consumers: the cost per message.
 *
 * Each measurement starts the process, warms up, reads its CPU from /proc over a window, checks from the
 * services' own metrics that windowing and anomaly delivered what was offered without a drop, and stops.
 * Reported per load and tree: every round, the median, and the ratio of the medians.
 *
 * With `--together` both trees run at the same time in every round, each with its own load (the
 * publisher at 100 000 samples/s then, so that both fit on two cores), and the ratio is taken per round:
 * the machine's speed moves by tens of percent within minutes (a fixed arithmetic loop took 29 to 59 ms
 * on 2026-12-06), and two processes measured over the same seconds share those moves. Reported: every
 * round's ratio and their geometric mean. Use an even number of rounds: which tree starts first alternates,
 * and in the run of 2026-12-06 the order moved the ratio by about 5 %.
 *
 * With `--node <binary>` this checkout runs on that Node (e.g. Node 24 LTS from the npm package
 * `node@24`), and the baseline on this one: `--node` alone compares two runtimes on the same code, and
 * with `--against` both a build and a runtime change at once.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/cpu-per-sample.ts (--against <checkout> |
 * --node <binary>) [--rounds 3] [--quick] [--together]`, e.g. with `git worktree add --detach ../base
 * <commit> && (cd ../base && pnpm install --offline && pnpm build)`. Writes
 * `bench/results/mesh-cpu-per-sample.json`.
 */
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { serviceHopDelta } from '../lib/hops.js'
import { startLoad } from '../lib/load.js'
import { startOneProcess } from '../lib/mesh.js'
import { monitorProcesses, nodeBinary, repoRoot, sleep, type NodeRuntime } from '../lib/procs.js'
import { median, writeResult, type BenchRow } from '../lib/results.js'

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    node: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    together: { type: 'boolean', default: false },
  },
})
if (values.against === undefined && values.node === undefined) {
  // `pnpm bench` runs every script without arguments: there is nothing to compare with then.
  console.log(
    'cpu-per-sample: skipped, it compares two builds or two runtimes: --against <checkout> and/or --node <binary> [--rounds 3]',
  )
  process.exit(0)
}
interface Tree {
  readonly name: 'baseline' | 'this checkout'
  readonly root: string
  /** The Node it runs on. */
  readonly node: NodeRuntime
}
const trees: readonly Tree[] = [
  { name: 'baseline', root: resolve(values.against ?? repoRoot), node: nodeBinary() },
  { name: 'this checkout', root: repoRoot, node: nodeBinary(values.node) },
]
const rounds = Number(values.rounds)
const WARMUP_S = values.quick ? 5 : 10
const MEASURE_S = values.quick ? 5 : 10
const together = values.together
const PUBLISHER_RATE = together ? 100_000 : 150_000
const BRIDGE_HZ = 100
const SENSORS = 100

const CONSUMERS = [
  ['windowing', []],
  ['anomaly', []],
  ['forwarder', []],
] as const
const bridge = (hz: number) =>
  [
    'serial-bridge',
    ['--mode', 'sim', '--sim.devices', String(SENSORS), '--sim.rateHz', String(hz)],
  ] as const

interface Load {
  readonly name: string
  readonly offered: number
  readonly services: readonly (readonly [
    'windowing' | 'anomaly' | 'forwarder' | 'serial-bridge',
    readonly string[],
  ])[]
  /** Starts what drives the load, if not the bridge; returns its stop. */
  readonly drive?: (url: string) => Promise<() => Promise<unknown>>
}

const loads: Load[] = [
  {
    name: `publisher, ${PUBLISHER_RATE} samples/s in messages of 100`,
    offered: PUBLISHER_RATE,
    services: CONSUMERS,
    drive: async (url) => {
      const load = startLoad({
        url,
        devices: SENSORS,
        rate: PUBLISHER_RATE,
        batch: 100,
        qos: 1,
        seconds: WARMUP_S + MEASURE_S + 10,
        devicePrefix: 'load',
      })
      await load.ready
      return () => load.stop()
    },
  },
  {
    name: `bridge, ${SENSORS} × ${BRIDGE_HZ} Hz, one sample per message`,
    offered: SENSORS * BRIDGE_HZ,
    services: [...CONSUMERS, bridge(BRIDGE_HZ)],
  },
]

/** What one tree's process did over the measuring window. */
interface Measured {
  readonly cpu: number
  readonly delivered: number
  readonly dropped: number
  readonly clean: boolean
  readonly usPerSample: number
}

/** A tree's one process, running with its load. */
interface Running {
  readonly mesh: Awaited<ReturnType<typeof startOneProcess>>
  readonly stopDrive: (() => Promise<unknown>) | undefined
}

async function startTree(tree: Tree, load: Load): Promise<Running> {
  const mesh = await startOneProcess(load.services, { root: tree.root, node: tree.node.path })
  return { mesh, stopDrive: await load.drive?.(mesh.url) }
}

async function stopTree(r: Running): Promise<void> {
  await r.stopDrive?.()
  await r.mesh.stop()
}

/**
 * Warms up, then reads the CPU (% of a core) of every process over one window, and what its consumers
 * delivered from the services' own metrics.
 */
async function measureRunning(running: readonly Running[], load: Load): Promise<Measured[]> {
  await sleep(WARMUP_S * 1000)
  const pids = new Map(running.map((r, i) => [String(i), r.mesh.proc.pid]))
  const monitor = monitorProcesses(pids, 1000)
  const before = running.map((r) => new Map(r.mesh.probe.metrics))
  monitor.mark()
  await sleep(MEASURE_S * 1000)
  await Promise.all(running.map((r) => r.mesh.probe.nextMetrics('anomaly')))
  const summary = monitor.summary()
  monitor.stop()
  return running.map((r, i) => {
    const a = before[i]!
    const b = r.mesh.probe.metrics
    const cpu = summary.get(String(i))!.cpuPercent
    const win = serviceHopDelta(a.get('windowing'), b.get('windowing'), 'raw')
    const ano = serviceHopDelta(a.get('anomaly'), b.get('anomaly'), 'raw')
    const delivered = Math.min(win.outRate, ano.outRate)
    const dropped = win.dropped + ano.dropped
    const clean = dropped === 0 && delivered >= 0.95 * load.offered
    return { cpu, delivered, dropped, clean, usPerSample: (cpu / 100 / delivered) * 1e6 }
  })
}

/** Measures the trees in `order`: one after another, or all at once with `--together`. */
async function measureRound(order: readonly Tree[], load: Load): Promise<Measured[]> {
  if (!together) {
    const out: Measured[] = []
    for (const tree of order) {
      const r = await startTree(tree, load)
      try {
        out.push(...(await measureRunning([r], load)))
      } finally {
        await stopTree(r)
      }
    }
    return out
  }
  // One after the other: each takes a free port, and holds it once started.
  const running: Running[] = []
  try {
    for (const t of order) running.push(await startTree(t, load))
    return await measureRunning(running, load)
  } finally {
    await Promise.all(running.map(stopTree))
  }
}

/** The commit a checkout is at (short), to name the baseline in the results. */
const commitOf = (root: string): string =>
  execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()

const rows: BenchRow[] = []
for (const load of loads) {
  const runs = new Map<string, Measured[]>(trees.map((t) => [t.name, []]))
  const ratios: number[] = []
  for (let r = 0; r < rounds; r++) {
    // Alternate which tree goes (or starts) first, so neither always has a warmer or cooler machine.
    const order = r % 2 === 0 ? trees : [...trees].reverse()
    const measured = await measureRound(order, load)
    order.forEach((tree, i) => {
      const m = measured[i]!
      runs.get(tree.name)!.push(m)
      console.log(
        `${load.name.padEnd(48)} round ${r + 1} ${tree.name.padEnd(13)} (Node ${tree.node.version}) ${m.cpu.toFixed(1)} % of a core, ` +
          `${m.usPerSample.toFixed(2)} µs/sample, delivered ${Math.round(m.delivered)}/s, dropped ${m.dropped}${m.clean ? '' : ' (not clean)'}`,
      )
    })
    const [base, mine] = [runs.get('baseline')!.at(-1)!, runs.get('this checkout')!.at(-1)!]
    ratios.push(mine.usPerSample / base.usPerSample)
  }
  const med = (tree: string) => median(runs.get(tree)!.map((m) => m.usPerSample))
  for (const tree of trees) {
    const rs = runs.get(tree.name)!
    rows.push({
      case: `${load.name}: ${tree.name}`,
      value: Math.round(100 * med(tree.name)) / 100,
      unit: 'µs CPU/sample (median)',
      rounds: rs.map((m) => Math.round(100 * m.usPerSample) / 100).join(' '),
      'cpu % (median)': Math.round(10 * median(rs.map((m) => m.cpu))) / 10,
      clean: rs.every((m) => m.clean) ? 'yes' : 'no',
      commit: commitOf(tree.root),
      node: tree.node.version,
    })
  }
  // Run together, the rounds' own ratios are the measurement; one after another, the medians' ratio.
  const geometricMean = Math.exp(ratios.reduce((a, x) => a + Math.log(x), 0) / ratios.length)
  rows.push({
    case: `${load.name}: this checkout / baseline`,
    value:
      Math.round(1000 * (together ? geometricMean : med('this checkout') / med('baseline'))) / 1000,
    unit: together ? '× (geometric mean of the rounds)' : '×',
    rounds: ratios.map((x) => x.toFixed(3)).join(' '),
  })
  console.log(`${load.name}: this checkout / baseline ${rows.at(-1)!.value} ×`)
}
writeResult(
  'mesh-cpu-per-sample',
  `node --conditions=sluice-src --import tsx bench/mesh/cpu-per-sample.ts${values.against === undefined ? '' : ` --against ${values.against}`}${values.node === undefined ? '' : ` --node ${values.node}`} --rounds ${rounds}${values.quick ? ' --quick' : ''}${together ? ' --together' : ''}`,
  rows,
)
