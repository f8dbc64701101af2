/**
 * @module lab/mesh
 * The real mesh, started for one lab experiment: the embedded broker in this process on a free port, each
 * service as its own `sluice <service>` process against it (as `sluice up` runs them), a temporary
 * directory for their files, and an MQTT observer that stamps every message it receives. Each service's
 * CPU time and peak RSS are read from `/proc/<pid>` (proc(5)), so the numbers come from the kernel and not
 * from the process about itself. Everything is stopped and removed by `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startBroker, type RunningBroker } from '@sluice/broker'
import { epochMs, decodeMetrics, metricsTopic, statusTopic, type ServiceMetrics } from '@sluice/contract'
import mqtt from 'mqtt'
import { stringify as stringifyYaml } from 'yaml'
import { LabNotBuiltError, LabServiceExitedError, LabTimeoutError } from './errors.js'

/** The `sluice` subcommands a lab starts. */
export type LabService = 'bridge' | 'window' | 'anomaly' | 'forward'

const SERVICE_NAMES: Record<LabService, string> = {
  bridge: 'serial-bridge',
  window: 'windowing',
  anomaly: 'anomaly',
  forward: 'forwarder',
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`: 100 on Linux/x86 and arm). */
const CLK_TCK = 100

/** CPU time and memory of a process, from `/proc`. */
export interface ProcUsage {
  /** User + system CPU time so far (s). */
  readonly cpuSeconds: number
  readonly rssBytes: number
  /** Peak RSS so far (VmHWM). */
  readonly peakRssBytes: number
}

/** Reads a process's CPU time and memory from `/proc`; undefined when it is gone (or not on Linux). */
export function readProcUsage(pid: number): ProcUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string): number =>
      Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
    return { cpuSeconds, rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 }
  } catch {
    return undefined
  }
}

/** One message the observer received, with its arrival time (ms since the epoch, with a fraction). */
export interface Observed {
  readonly topic: string
  readonly at: number
  readonly payload: Buffer
  /** The payload parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown
}

/** A running service process. */
export interface LabProcess {
  readonly service: string
  readonly instance: string
  readonly pid: number
  usage(): ProcUsage | undefined
  /** Its log lines (pino JSON) so far, newest last; at most the last 2000. */
  readonly logs: readonly string[]
  /** SIGTERM (a graceful drain), SIGKILL after 10 s. */
  stop(): Promise<void>
}

/** The mesh of one experiment. */
export interface LabMesh {
  readonly url: string
  readonly broker: RunningBroker
  /** A temporary directory, removed at close. */
  readonly dir: string
  /**
   * Starts `sluice <service> --broker <url> --instance <instance> …args` and waits until it is online;
   * `config` (e.g. a list or a sink, which flags cannot say) is written to a YAML file for `--config`.
   */
  start(
    service: LabService,
    instance: string,
    args: readonly string[],
    config?: Record<string, unknown>,
  ): Promise<LabProcess>
  /** Everything the observer received on the filters given to {@link createLabMesh}, in arrival order. */
  readonly observed: readonly Observed[]
  /** Metrics messages of one service instance, in arrival order. */
  metricsOf(service: LabService, instance: string): ServiceMetrics[]
  /** Stops every process (producers first, as started in reverse), the observer and the broker. */
  close(): Promise<void>
}

/** Options of {@link createLabMesh}. */
export interface LabMeshOptions {
  /** MQTT filters the observer subscribes to (metrics and status are always observed). */
  readonly observe?: readonly string[]
  /** Broker options (e.g. the per-subscriber queue). */
  readonly subscriberQueue?: { readonly capacity?: number; readonly policy?: 'drop-oldest' }
}

const now = epochMs

/** The built `sluice` entry point, which the lab runs its services with. */
export function sluiceMain(): string {
  // src/lab/mesh.ts and dist/lab/mesh.js are both two levels below the package root.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const main = join(root, 'dist', 'main.js')
  if (!existsSync(main))
    throw new LabNotBuiltError(
      `${main} is missing: the lab runs the built services as processes, and they have not been built. Run pnpm build first.`,
    )
  return main
}

function waitForOnline(
  observed: readonly Observed[],
  topic: string,
  child: ChildProcess,
  logs: readonly string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 30_000
    const check = (): void => {
      const online = observed.some(
        (m) => m.topic === topic && (m.json as { state?: string } | undefined)?.state === 'online',
      )
      if (online) return resolve()
      if (child.exitCode !== null)
        return reject(
          new LabServiceExitedError(
            `${topic} exited with ${child.exitCode}:\n${logs.slice(-5).join('\n')}`,
          ),
        )
      if (Date.now() > deadline)
        return reject(
          new LabTimeoutError(
            `${topic}: not online within 30 s: the machine may be very busy. Try again, or look at: ${logs.slice(-3).join(' | ')}`,
          ),
        )
      setTimeout(check, 20)
    }
    check()
  })
}

/**
 * Starts the broker and the observer. Call `start` for each service, and `close` at the end (also on
 * failure).
 *
 * @example
 * ```ts
 * const mesh = await createLabMesh({ observe: ['sluice/+/+/window/#'] })
 * try { await mesh.start('window', 'w1', ['--windows.w.type', 'count', …]) } finally { await mesh.close() }
 * ```
 */
export async function createLabMesh(options: LabMeshOptions = {}): Promise<LabMesh> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-lab-'))
  const broker = await startBroker({
    port: 0,
    ...(options.subscriberQueue === undefined ? {} : { subscriberQueue: options.subscriberQueue }),
  })
  const observed: Observed[] = []
  const client = mqtt.connect(broker.url, { clientId: `sluice-lab-${process.pid}`, clean: true })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  client.on('message', (topic, payload) => {
    let json: unknown
    try {
      json = JSON.parse(payload.toString('utf8'))
    } catch {
      json = undefined
    }
    observed.push({ topic, at: now(), payload, json })
  })
  await client.subscribeAsync(
    ['sluice/_sys/+/+/status', 'sluice/_sys/+/+/metrics', ...(options.observe ?? [])],
    { qos: 1 },
  )
  const procs: { proc: LabProcess; child: ChildProcess }[] = []

  return {
    url: broker.url,
    broker,
    dir,
    observed,
    async start(service, instance, args, config) {
      const main = sluiceMain()
      const configArgs: string[] = []
      if (config !== undefined) {
        const file = join(dir, `${instance}.yaml`)
        await writeFile(file, stringifyYaml(config))
        configArgs.push('--config', file)
      }
      const child = spawn(
        process.execPath,
        // Each instance is a configuration of its own, compared side by side: a group of its own too,
        // so instances of one service do not share the sensors (docs/scale-out.md).
        [
          main,
          service,
          '--broker',
          broker.url,
          '--instance',
          instance,
          '--group',
          instance,
          ...configArgs,
          ...args,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      const logs: string[] = []
      const keep = (chunk: Buffer): void => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line === '') continue
          logs.push(line)
          if (logs.length > 2000) logs.shift()
        }
      }
      child.stdout.on('data', keep)
      child.stderr.on('data', keep)
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      const proc: LabProcess = {
        service: SERVICE_NAMES[service],
        instance,
        pid: child.pid ?? -1,
        usage: () => (child.pid === undefined ? undefined : readProcUsage(child.pid)),
        logs,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
          await exited
          clearTimeout(timer)
        },
      }
      procs.push({ proc, child })
      await waitForOnline(
        observed,
        statusTopic('sluice', SERVICE_NAMES[service], instance),
        child,
        logs,
      )
      return proc
    },
    metricsOf(service, instance) {
      const topic = metricsTopic('sluice', SERVICE_NAMES[service], instance)
      const out: ServiceMetrics[] = []
      for (const m of observed) {
        if (m.topic !== topic) continue
        const d = decodeMetrics(m.payload)
        if (d.ok) out.push(d.value)
      }
      return out
    },
    async close() {
      for (const { proc } of [...procs].reverse()) await proc.stop()
      await client.endAsync().catch(() => undefined)
      await broker.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Resolves once `test()` holds, polling every 20 ms; rejects after `timeoutMs` with `what`. */
export async function until(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!test()) {
    if (Date.now() > deadline)
      throw new LabTimeoutError(
        `${what}: not within ${timeoutMs / 1000} s; the machine may be very busy: try again, or with smaller parameters`,
      )
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
