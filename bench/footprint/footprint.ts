/**
 * Scenario 6 of issue 7, footprint: `sluice up` as a user starts it (the broker and every service as
 * separate processes, the default simulated sensors: 3 devices × 2 channels at 10 Hz, dashboard on), left
 * to settle, then the RSS and CPU of each of its processes measured from /proc over an idle window. The
 * same again with `NODE_OPTIONS=--max-semi-space-size=1`, which caps V8's young generation (16 MB per
 * semi-space by default on 64-bit, grown on demand and rarely given back), to show how much of each
 * process's RSS that reservation is.
 *
 * Uses the built CLI (`cli/dist/main.js`) when it exists, the sources through tsx otherwise (more memory:
 * tsx and its transform cache live in every process); the command records which.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/footprint/footprint.ts [--quick]`
 * Writes `bench/results/footprint.json`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, tempDir } from '@sluice/testkit'
import { monitorProcesses, repoRoot, sleep, startProcess } from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
const SETTLE_S = quick ? 8 : 15
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

const rows: BenchRow[] = []
for (const variant of ['default', '--max-semi-space-size=1'] as const) {
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
    ],
    {
      cwd: dir.path,
      env: variant === 'default' ? {} : { NODE_OPTIONS: variant },
    },
  )
  await sleep(SETTLE_S * 1000)
  const procs = new Map([['sluice up (supervisor)', up.pid], ...children(up.pid)])
  const monitor = monitorProcesses(procs, 1000)
  await sleep(MEASURE_S * 1000)
  const usage = monitor.summary()
  monitor.stop()
  console.log(`${variant}: ${[...procs.keys()].join(', ')}`)
  if (procs.size < 3) console.log(up.tail())
  await up.stop(15_000)
  await dir.remove()
  let total = 0
  let cpu = 0
  for (const [name, u] of usage) {
    total += u.rssMeanMB
    cpu += u.cpuPercent
    rows.push({
      case: `${variant}: ${name}`,
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
    case: `${variant}: all ${usage.size} processes`,
    value: total,
    unit: 'MB RSS',
    'cpu %': Math.round(cpu * 10) / 10,
  })
  console.log(`  total ${total.toFixed(1)} MB, ${cpu.toFixed(1)} % of one core`)
}
writeResult(
  'footprint',
  `node --conditions=sluice-src --import tsx bench/footprint/footprint.ts${quick ? ' --quick' : ''} (sluice up from ${mode})`,
  rows,
)
