/**
 * @module bench/lib/procs
 * Every benchmarked service runs as its own process, as under `sluice up` (DESIGN.md §1). This module
 * starts them (the built `dist/main.js` when it exists, since `tsx` only adds start-up and transform cost
 * and memory; the sources through `tsx` otherwise or with `SLUICE_BENCH_SRC=1`) and measures each one's
 * CPU and RSS from `/proc/<pid>/stat` and `/proc/<pid>/status` (proc(5)), so the numbers come from the
 * kernel and not from the process about itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`: 100 on Linux/x86 and arm). */
const CLK_TCK = 100

/** The services the mesh benchmarks start, with their package folders. */
export const SERVICE_DIRS = {
  'serial-bridge': 'services/serial-bridge',
  windowing: 'services/windowing',
  anomaly: 'services/anomaly',
  forwarder: 'services/forwarder',
} as const

export type ServiceName = keyof typeof SERVICE_DIRS | 'broker'

/** `dist` when every service's build exists (and `SLUICE_BENCH_SRC` is not set), else `src`. */
export function launchMode(): 'dist' | 'src' {
  if (process.env.SLUICE_BENCH_SRC === '1') return 'src'
  const built =
    existsSync(join(repoRoot, 'broker/dist/index.js')) &&
    Object.values(SERVICE_DIRS).every((d) => existsSync(join(repoRoot, d, 'dist/main.js')))
  return built ? 'dist' : 'src'
}

/** The `node` arguments that run `service` with `args`. */
export function serviceCommand(service: ServiceName, args: readonly string[]): string[] {
  const mode = launchMode()
  if (service === 'broker') {
    // The broker package has no main of its own (the CLI's `sluice broker` calls runBroker): the same call.
    const code =
      "import { runBroker } from '@sluice/broker'; await runBroker(process.argv.slice(1))"
    return mode === 'dist'
      ? ['--input-type=module', '-e', code, '--', ...args]
      : [
          '--conditions=sluice-src',
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          code,
          '--',
          ...args,
        ]
  }
  const dir = join(repoRoot, SERVICE_DIRS[service])
  return mode === 'dist'
    ? [join(dir, 'dist/main.js'), ...args]
    : ['--conditions=sluice-src', '--import', 'tsx', join(dir, 'src/main.ts'), ...args]
}

/** A started process. */
export interface BenchProcess {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  /** The last lines of its stderr and stdout (for a failure message). */
  tail(): string
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code (or signal name). */
  stop(timeoutMs?: number): Promise<string>
  readonly exited: Promise<string>
}

/** Options of {@link startProcess}. */
export interface StartOptions {
  readonly env?: Readonly<Record<string, string>>
  /** Extra node options before the script (e.g. `--cpu-prof`, `--cpu-prof-dir=…`). */
  readonly nodeOptions?: readonly string[]
  /** Working directory; default the bench package (so `@sluice/*` resolve from it). */
  readonly cwd?: string
  /** The Node binary to run; default this one (`process.execPath`). See {@link nodeBinary}. */
  readonly node?: string
  /**
   * cgroup v1 `cgroup.procs` files the process joins before Node starts, so that Node sizes V8's heap by
   * the group's memory limit (`uv_get_constrained_memory`) as it would on a machine with that much memory;
   * a process moved into the group once running keeps the heap sized for this machine's 24 GB.
   */
  readonly cgroupProcs?: readonly string[]
}

/** The command that runs `command args`, first joining the cgroups whose `cgroup.procs` are given. */
function inCgroups(
  procsFiles: readonly string[],
  command: string,
  args: readonly string[],
): [string, string[]] {
  if (procsFiles.length === 0) return [command, [...args]]
  // The shell writes its own PID, then becomes the command (exec keeps the PID).
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 1; shift; done; shift; exec "$@"'
  return ['/bin/sh', ['-c', script, 'sh', ...procsFiles, '--', command, ...args]]
}

/** A Node binary and the version it reports (e.g. `v24.21.0`). */
export interface NodeRuntime {
  readonly path: string
  readonly version: string
}

/**
 * A Node binary given on a benchmark's command line (`--node <binary>`), checked by asking its version.
 * Default: the Node running the benchmark.
 *
 * @example
 * const runtime = nodeBinary('/tmp/n24/node_modules/node/bin/node') // { path, version: 'v24.21.0' }
 */
export function nodeBinary(path?: string): NodeRuntime {
  if (path === undefined) return { path: process.execPath, version: process.version }
  try {
    const version = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim()
    return { path, version }
  } catch (err) {
    throw new Error(`--node ${path}: not a Node binary that runs here (${(err as Error).message})`)
  }
}

/** The runtime a script's `--node <binary>` names, checked; undefined without `--node`. */
export function nodeFlag(argv: readonly string[] = process.argv): NodeRuntime | undefined {
  const at = argv.indexOf('--node')
  if (at < 0) return undefined
  const path = argv[at + 1]
  if (path === undefined || path.startsWith('--')) throw new Error('--node needs a Node binary')
  return nodeBinary(path)
}

/** `-node<major>` for a runtime's results file (`mesh-throughput-one-process-node24`). */
export const nodeSuffix = (r: NodeRuntime): string => `-node${r.version.replace(/^v(\d+).*/, '$1')}`

/** Starts `node <args>` as a named child; output is kept in a small ring for error messages only. */
export function startProcess(
  name: string,
  nodeArgs: readonly string[],
  options: StartOptions = {},
): BenchProcess {
  const [command, args] = inCgroups(options.cgroupProcs ?? [], options.node ?? process.execPath, [
    ...(options.nodeOptions ?? []),
    ...nodeArgs,
  ])
  const child = spawn(command, args, {
    cwd: options.cwd ?? join(repoRoot, 'bench'),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const keep = (chunk: Buffer): void => {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(l)
    if (lines.length > 40) lines.splice(0, lines.length - 40)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<string>((resolve) => {
    child.once('close', (code, signal) => {
      resolve(code !== null ? String(code) : String(signal))
    })
  })
  if (child.pid === undefined) throw new Error(`could not start ${name}`)
  return {
    name,
    pid: child.pid,
    child,
    exited,
    tail: () => lines.slice(-15).join('\n'),
    async stop(timeoutMs = 8000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      const r = await exited
      clearTimeout(timer)
      return r
    },
  }
}

/** Starts a service (or the broker) with its arguments. */
export function startService(
  name: string,
  service: ServiceName,
  args: readonly string[],
  options: StartOptions = {},
): BenchProcess {
  return startProcess(name, serviceCommand(service, args), options)
}

/** Resolves once a TCP port accepts connections, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port })
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => {
        resolve(false)
      })
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`)
    await sleep(100)
  }
}

/** A promise of `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** CPU time (user + system, seconds) and resident set size (bytes) of a process now. */
export interface ProcUsage {
  readonly cpuSeconds: number
  readonly rssBytes: number
  /** Seconds spent runnable but waiting for a core (`/proc/<pid>/schedstat`, field 2, summed over threads' leader). */
  readonly waitSeconds: number
}

/** Reads `/proc/<pid>/stat` (utime, stime: fields 14 and 15) and `VmRSS` of `/proc/<pid>/status`. */
export function readProcUsage(pid: number): ProcUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)
    let waitSeconds = 0
    try {
      waitSeconds = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9
    } catch {
      // schedstat needs CONFIG_SCHED_INFO; without it the wait is reported as 0
    }
    return {
      cpuSeconds: (utime + stime) / CLK_TCK,
      rssBytes: Number(rss?.[1] ?? 0) * 1024,
      waitSeconds,
    }
  } catch {
    return undefined // the process has gone
  }
}

/** One sample of one process over one interval. */
export interface ProcPoint {
  /** Seconds since the monitor started. */
  readonly t: number
  /** CPU over the interval, in % of one core. */
  readonly cpuPercent: number
  /**
   * Time the main thread was runnable but waited for a core, in % of the interval: high values mean
   * the process was starved by other work on the machine rather than limited by its own code.
   */
  readonly waitPercent: number
  readonly rssMB: number
}

/** One process over a measurement window. */
export interface ProcSummary {
  readonly cpuPercent: number
  readonly waitPercent: number
  readonly rssMeanMB: number
  readonly rssMaxMB: number
  readonly rssLastMB: number
}

/** Samples the CPU and RSS of named processes every `intervalMs`. */
export interface ProcMonitor {
  readonly series: ReadonlyMap<string, readonly ProcPoint[]>
  /** Starts a new measurement window (e.g. after a warm-up); the series keep everything. */
  mark(): void
  /** Per process over the window since `mark()` (or start): mean CPU %, mean and max RSS (MB). */
  summary(): Map<string, ProcSummary>
  stop(): void
}

/** Starts a monitor over `procs` (name → pid). */
export function monitorProcesses(
  procs: ReadonlyMap<string, number>,
  intervalMs = 1000,
): ProcMonitor {
  const t0 = performance.now()
  const series = new Map<string, ProcPoint[]>()
  const last = new Map<string, { at: number; cpu: number; wait: number }>()
  let markAt = 0
  const sample = (): void => {
    const at = performance.now()
    for (const [name, pid] of procs) {
      const u = readProcUsage(pid)
      if (u === undefined) continue
      const prev = last.get(name)
      last.set(name, { at, cpu: u.cpuSeconds, wait: u.waitSeconds })
      if (prev === undefined) continue
      const points = series.get(name) ?? []
      points.push({
        t: (at - t0) / 1000,
        cpuPercent: (100 * (u.cpuSeconds - prev.cpu)) / ((at - prev.at) / 1000),
        waitPercent: (100 * (u.waitSeconds - prev.wait)) / ((at - prev.at) / 1000),
        rssMB: u.rssBytes / 2 ** 20,
      })
      series.set(name, points)
    }
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  return {
    series,
    mark() {
      markAt = (performance.now() - t0) / 1000
    },
    summary() {
      const out = new Map<string, ProcSummary>()
      for (const [name, points] of series) {
        const w = points.filter((p) => p.t > markAt)
        if (w.length === 0) continue
        const mean = (f: (p: ProcPoint) => number): number =>
          w.reduce((a, p) => a + f(p), 0) / w.length
        out.set(name, {
          cpuPercent: mean((p) => p.cpuPercent),
          waitPercent: mean((p) => p.waitPercent),
          rssMeanMB: mean((p) => p.rssMB),
          rssMaxMB: Math.max(...w.map((p) => p.rssMB)),
          rssLastMB: w[w.length - 1]!.rssMB,
        })
      }
      return out
    },
    stop() {
      clearInterval(timer)
    },
  }
}

/**
 * One table column per process: `"41% cpu (12% waiting), 63 MB"` (CPU in % of one core, the share of the
 * interval it waited for a core, and its largest RSS over the window).
 */
export function procColumns(usage: ReadonlyMap<string, ProcSummary>): Record<string, string> {
  return Object.fromEntries(
    [...usage].map(([n, u]) => [
      n,
      `${Math.round(u.cpuPercent)}% cpu (${Math.round(u.waitPercent)}% waiting), ${Math.round(u.rssMaxMB)} MB`,
    ]),
  )
}
