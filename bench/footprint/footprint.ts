/**
 * `sluice up` as a user starts it (the default simulated sensors: 3 devices × 2 channels at 10 Hz, the
 * dashboard on), left to settle for a minute, then the RSS and CPU of its whole process tree measured from
 * /proc over a window (issue 16: ≤ 200 MB RSS for the tree and ≤ 3 % of one core after 60 s). Variants,
 * in one run: `--processes` (one process per service, the earlier default: the baseline; each process is a
 * service run alone, so its rows are the standalone footprint, also with issue 16's trimming undone by
 * {@link eagerNodeOptions} for a before/after in one run), the default
 * (everything in one process, the services reaching the broker through in-memory streams), the same with
 * loopback sockets (`--no-in-memory`, as before issue 16's in-memory streams), the default with `--max-semi-space-size=1` (V8's young generation capped),
 * and the default under a Pi-class quota: one core (cgroup v1 `cpu.cfs_quota_us` 100 000 of 100 000) and
 * 512 MB (`memory.limit_in_bytes`, a Pi Zero 2 W), where every hop's drops are read from the metrics
 * topics and must stay 0. `sluice up` joins the group before Node starts, so Node sizes V8's heap by the
 * 512 MB as on a Pi (moved in once running, it kept the heap limits of this 24 GB machine: Node 24's young
 * generation then grew to 67 MB at idle). The quota needs root and a writable cgroup v1 hierarchy;
 * without them that variant is skipped, and said.
 *
 * Uses the built CLI (`cli/dist/main.js`) when it exists, the sources through tsx otherwise (more memory:
 * tsx and its transform cache live in every process); the command records which.
 *
 * With `--node <binary>` (e.g. Node 24 LTS from the npm package `node@24`, what a Pi pulls) the default and
 * the Pi-class variants run a second time on that Node, in the same run.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/footprint/footprint.ts [--quick] [--node <binary>]`
 * Writes `bench/results/footprint.json`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { decodeMetrics, metricsFilter, type ServiceMetrics } from '@sluice/contract'
import { freePort, tempDir } from '@sluice/testkit'
import mqtt from 'mqtt'
import { createCpuQuota, type CpuQuota } from '../lib/cgroup.js'
import { monitorProcesses, nodeFlag, repoRoot, sleep, startProcess } from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
/** The other Node the default and Pi-class variants also run on (`--node`), if any. */
const otherNode = nodeFlag()
// Issue 16 measures after 60 s.
const SETTLE_S = quick ? 10 : 60
const MEASURE_S = quick ? 8 : 20
const dist = join(repoRoot, 'cli/dist/main.js')
const mode = existsSync(dist) ? 'dist' : 'src'
const cliArgs =
  mode === 'dist'
    ? [dist]
    : ['--conditions=sluice-src', '--import', 'tsx', join(repoRoot, 'cli/src/main.ts')]

/** Direct children of `pid` with the `sluice` subcommand each runs (scans /proc: no CONFIG_PROC_CHILDREN here). */
function children(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== pid) continue
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')
      const main = argv.findIndex((a) => a.endsWith('main.js') || a.endsWith('main.ts'))
      out.set(argv[main + 1] ?? `pid ${d}`, Number(d))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** A cgroup v1 group with a CPU quota of `cores` and a memory limit, or undefined when not permitted. */
function piCgroup(cores: number, memoryBytes: number): CpuQuota | undefined {
  try {
    return createCpuQuota(`sluice-bench-pi-${process.pid}`, cores, { memoryBytes })
  } catch (err) {
    console.log(
      `pi-class variant skipped: cannot make a cgroup v1 group (${(err as Error).message})`,
    )
    return undefined
  }
}

/** Every process in the tree under `pid` (the in-process default has none but `pid` itself). */
function tree(pid: number, label: string): Map<string, number> {
  const out = new Map([[label, pid]])
  for (const [name, child] of children(pid)) out.set(name, child)
  return out
}

/** Latest metrics per service instance, from the broker: to sum every hop's drops at the end. */
async function watchDrops(url: string): Promise<{ total(): number; close(): Promise<void> }> {
  const latest = new Map<string, ServiceMetrics>()
  // `sluice up` may still be starting its broker: retry for a while.
  let client: mqtt.MqttClient | undefined
  for (let i = 0; client === undefined; i++) {
    try {
      client = await mqtt.connectAsync(url, { clientId: `bench-footprint-${process.pid}` })
    } catch (err) {
      if (i >= 60) throw err
      await sleep(500)
    }
  }
  client.on('message', (topic, payload) => {
    const m = decodeMetrics(payload)
    if (m.ok) latest.set(topic, m.value)
  })
  await client.subscribeAsync(metricsFilter('sluice'), { qos: 0 })
  return {
    total() {
      let n = 0
      for (const m of latest.values())
        for (const hop of Object.values(m.hops)) for (const v of Object.values(hop.dropped)) n += v
      return n
    },
    close: () => client.endAsync(),
  }
}

interface Variant {
  readonly label: string
  readonly flags: readonly string[]
  readonly nodeOptions?: string
  readonly pi?: boolean
  /** The Node binary to run on (default this one). */
  readonly node?: string
}

/**
 * NODE_OPTIONS that undo issue 16's standalone trimming, for a baseline in the same run: the modules the
 * services now load only when they use them (prom-client without a Prometheus port, yaml without a config
 * file, serialport without a serial port) required up front, as they were imported before, and V8's
 * default young generation (16 MB semi-spaces) instead of the 1 MB `sluice up --processes` now gives
 * each child.
 */
function eagerNodeOptions(): string {
  const from = (pkg: string, dep: string): string =>
    createRequire(join(repoRoot, pkg, 'package.json')).resolve(dep)
  return [
    `--require=${from('libs/mesh', 'prom-client')}`,
    `--require=${from('libs/mesh', 'yaml')}`,
    `--require=${from('services/serial-bridge', 'serialport')}`,
    '--max-semi-space-size=16',
  ].join(' ')
}

const VARIANTS: readonly Variant[] = [
  {
    label: '--processes, eager loads and default semi-spaces (before issue 16 trimming)',
    flags: ['--processes'],
    nodeOptions: eagerNodeOptions(),
  },
  { label: '--processes', flags: ['--processes'] },
  { label: 'one process, loopback sockets (--no-in-memory: before)', flags: ['--no-in-memory'] },
  { label: 'one process', flags: [] },
  {
    label: 'one process, --max-semi-space-size=1',
    flags: [],
    nodeOptions: '--max-semi-space-size=1',
  },
  { label: 'one process, Pi-class (1 core, 512 MB)', flags: [], pi: true },
  ...(otherNode === undefined
    ? []
    : [
        { label: `one process, Node ${otherNode.version}`, flags: [], node: otherNode.path },
        {
          label: `one process, Pi-class (1 core, 512 MB), Node ${otherNode.version}`,
          flags: [],
          pi: true,
          node: otherNode.path,
        },
      ]),
]

const rows: BenchRow[] = []
for (const variant of VARIANTS) {
  const cgroup = variant.pi ? piCgroup(1, 512 * 2 ** 20) : undefined
  if (variant.pi && cgroup === undefined) continue
  const dir = await tempDir('sluice-bench-up-')
  const [port, wsPort, dashPort] = [await freePort(), await freePort(), await freePort()]
  const up = startProcess(
    'sluice up',
    [
      ...cliArgs,
      'up',
      '--port',
      String(port),
      '--ws-port',
      String(wsPort),
      '--dashboard-port',
      String(dashPort),
      '--data-dir',
      dir.path,
      '--no-table',
      ...variant.flags,
    ],
    {
      cwd: dir.path,
      env: variant.nodeOptions === undefined ? {} : { NODE_OPTIONS: variant.nodeOptions },
      ...(variant.node === undefined ? {} : { node: variant.node }),
      // Joined before Node starts, as a Pi's whole memory: V8 sizes its heap by it (its young
      // generation stays small), and children inherit the group.
      ...(cgroup === undefined ? {} : { cgroupProcs: cgroup.procsFiles }),
    },
  )
  await sleep(3000)
  const drops = await watchDrops(`mqtt://127.0.0.1:${port}`)
  await sleep(SETTLE_S * 1000 - 3000)
  const procs = tree(
    up.pid,
    variant.flags.includes('--processes') ? 'sluice up (supervisor)' : 'sluice up',
  )
  const monitor = monitorProcesses(procs, 1000)
  await sleep(MEASURE_S * 1000)
  const usage = monitor.summary()
  monitor.stop()
  const dropped = drops.total()
  await drops.close()
  console.log(`${variant.label}: ${[...procs.keys()].join(', ')}`)
  if (variant.flags.includes('--processes') && procs.size < 3) console.log(up.tail())
  await up.stop(15_000)
  try {
    cgroup?.remove()
  } catch (err) {
    console.log(`could not remove the Pi-class cgroup: ${(err as Error).message}`)
  }
  await dir.remove()
  let total = 0
  let cpu = 0
  for (const [name, u] of usage) {
    total += u.rssMeanMB
    cpu += u.cpuPercent
    if (usage.size === 1) continue
    rows.push({
      case: `${variant.label}: ${name}`,
      value: u.rssMeanMB,
      unit: 'MB RSS',
      'cpu %': Math.round(u.cpuPercent * 10) / 10,
      'rss max MB': Math.round(u.rssMaxMB * 10) / 10,
    })
    console.log(
      `  ${name.padEnd(24)} ${u.rssMeanMB.toFixed(1)} MB  ${u.cpuPercent.toFixed(1)} % cpu`,
    )
  }
  rows.push({
    case: `${variant.label}: all ${usage.size} process${usage.size === 1 ? '' : 'es'}`,
    value: total,
    unit: 'MB RSS',
    'cpu %': Math.round(cpu * 10) / 10,
    'dropped (all hops)': dropped,
  })
  console.log(`  total ${total.toFixed(1)} MB, ${cpu.toFixed(1)} % of one core, ${dropped} dropped`)
}
writeResult(
  'footprint',
  `node --conditions=sluice-src --import tsx bench/footprint/footprint.ts${quick ? ' --quick' : ''}${otherNode === undefined ? '' : ` --node ${otherNode.path}`} (sluice up from ${mode})`,
  rows,
)
