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
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/cpu-per-sample.ts --against <checkout>
 * [--rounds 3] [--quick]`, e.g. with `git worktree add --detach ../base <commit> && (cd ../base && pnpm
 * install --offline && pnpm build)`. Writes `bench/results/mesh-cpu-per-sample.json`.
 */
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { serviceHopDelta } from '../lib/hops.js'
import { startLoad } from '../lib/load.js'
import { startOneProcess } from '../lib/mesh.js'
import { monitorProcesses, repoRoot, sleep } from '../lib/procs.js'
import { median, writeResult, type BenchRow } from '../lib/results.js'

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
  },
})
if (values.against === undefined) {
  // `pnpm bench` runs every script without arguments: there is nothing to compare with then.
  console.log('cpu-per-sample: skipped, it compares two builds: --against <checkout> [--rounds 3]')
  process.exit(0)
}
const trees = [
  { name: 'baseline', root: resolve(values.against) },
  { name: 'this checkout', root: repoRoot },
] as const
const rounds = Number(values.rounds)
const WARMUP_S = values.quick ? 5 : 10
const MEASURE_S = values.quick ? 5 : 10
const PUBLISHER_RATE = 150_000
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

/** One measurement: CPU (% of a core) of the one process, and what the consumers delivered. */
async function measure(root: string, load: Load) {
  const mesh = await startOneProcess(load.services, { root })
  try {
    const stopDrive = await load.drive?.(mesh.url)
    await sleep(WARMUP_S * 1000)
    const monitor = monitorProcesses(new Map([['one', mesh.proc.pid]]), 1000)
    const a = new Map(mesh.probe.metrics)
    monitor.mark()
    await sleep(MEASURE_S * 1000)
    await mesh.probe.nextMetrics('anomaly')
    const b = new Map(mesh.probe.metrics)
    const cpu = monitor.summary().get('one')!.cpuPercent
    monitor.stop()
    await stopDrive?.()
    const win = serviceHopDelta(a.get('windowing'), b.get('windowing'), 'raw')
    const ano = serviceHopDelta(a.get('anomaly'), b.get('anomaly'), 'raw')
    const delivered = Math.min(win.outRate, ano.outRate)
    const clean = win.dropped + ano.dropped === 0 && delivered >= 0.95 * load.offered
    const dropped = win.dropped + ano.dropped
    return { cpu, delivered, dropped, clean, usPerSample: (cpu / 100 / delivered) * 1e6 }
  } finally {
    await mesh.stop()
  }
}

/** The commit a checkout is at (short), to name the baseline in the results. */
const commitOf = (root: string): string =>
  execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()

const rows: BenchRow[] = []
for (const load of loads) {
  const runs = new Map<string, { cpu: number; usPerSample: number; clean: boolean }[]>(
    trees.map((t) => [t.name, []]),
  )
  for (let r = 0; r < rounds; r++) {
    // Alternate which tree goes first, so neither always runs on a warmer or cooler machine.
    for (const tree of r % 2 === 0 ? trees : [...trees].reverse()) {
      const m = await measure(tree.root, load)
      runs.get(tree.name)!.push(m)
      console.log(
        `${load.name.padEnd(48)} round ${r + 1} ${tree.name.padEnd(13)} ${m.cpu.toFixed(1)} % of a core, ` +
          `${m.usPerSample.toFixed(2)} µs/sample, delivered ${Math.round(m.delivered)}/s, dropped ${m.dropped}${m.clean ? '' : ' (not clean)'}`,
      )
    }
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
    })
  }
  rows.push({
    case: `${load.name}: this checkout / baseline`,
    value: Math.round(1000 * (med('this checkout') / med('baseline'))) / 1000,
    unit: '×',
  })
  console.log(`${load.name}: this checkout / baseline ${rows.at(-1)!.value} ×`)
}
writeResult(
  'mesh-cpu-per-sample',
  `node --conditions=sluice-src --import tsx bench/mesh/cpu-per-sample.ts --against ${values.against} --rounds ${rounds}${values.quick ? ' --quick' : ''}`,
  rows,
)
