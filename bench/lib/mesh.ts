/**
 * @module bench/lib/mesh
 * Starts the mesh for a benchmark the way `sluice up` does (DESIGN.md §1): the embedded broker first, then
 * the consumers (windowing, anomaly, forwarder), then the producer (the serial bridge), each its own
 * process on a free port of 127.0.0.1, with a probe on the broker that reads their metrics. Stopping goes
 * in the reverse order, producer first, so the consumers drain what is in flight. With `engine`, the
 * services run on a broker started elsewhere instead (Mosquitto, nats-server, a NATS cluster), and the probe
 * reads their metrics at `engine.probeUrl` (e.g. nats-server's MQTT listener).
 */
import { join } from 'node:path'
import { freePort, tempDir, type TempDir } from '@sluice/testkit'
import { startProbe, type Probe } from './probe.js'
import {
  launchMode,
  startProcess,
  startService,
  waitForPort,
  type BenchProcess,
  type ServiceName,
  type StartOptions,
} from './procs.js'

/** Options of {@link startMesh}. */
export interface MeshOptions {
  /** Services to start besides the broker; the bridge, if listed, starts last. */
  readonly services: readonly Exclude<ServiceName, 'broker'>[]
  /** Extra flags per service (and the broker). */
  readonly args?: Partial<Record<ServiceName, readonly string[]>>
  /** Process options per service (e.g. `--cpu-prof`). */
  readonly start?: Partial<Record<ServiceName, StartOptions>>
  /** Have the probe measure window and anomaly latency. */
  readonly latency?: boolean
  /** Run on this broker instead of starting the embedded one (which then is not in `procs`). */
  readonly engine?: ExternalEngine
}

/** A broker started by the caller, for {@link MeshOptions.engine}. */
export interface ExternalEngine {
  /** What the services get as `--broker` (`mqtt://…`, `nats://…`, or `nats://a,nats://b,…`). */
  readonly url: string
  /** An MQTT URL on which the services' metrics arrive, for the probe (default `url`). */
  readonly probeUrl?: string
}

/** A running mesh. */
export interface RunningMesh {
  /** The services' `--broker`. */
  readonly url: string
  /** The port of the first broker in `url`. */
  readonly port: number
  /** Every process by service name, the embedded broker included (not an external engine). */
  readonly procs: ReadonlyMap<string, BenchProcess>
  readonly probe: Probe
  /** The forwarder's data directory. */
  readonly dataDir: TempDir
  /** Starts a service later (e.g. the bridge once the consumers are measured idle). */
  add(service: Exclude<ServiceName, 'broker'>, args?: readonly string[]): Promise<BenchProcess>
  /** Stops one service (SIGTERM: it drains and says offline). */
  stopService(service: string): Promise<void>
  /** Stops everything, producer first; returns exit codes by name. */
  stop(): Promise<Record<string, string>>
}

/** Starts the broker and `services`; resolves once every service publishes metrics. */
export async function startMesh(options: MeshOptions): Promise<RunningMesh> {
  const engine = options.engine
  const port =
    engine === undefined ? await freePort() : Number(new URL(engine.url.split(',')[0]!).port)
  const url = engine?.url ?? `mqtt://127.0.0.1:${port}`
  const dataDir = await tempDir('sluice-bench-')
  const procs = new Map<string, BenchProcess>()
  const args = (s: ServiceName): readonly string[] => options.args?.[s] ?? []
  let broker: BenchProcess | undefined
  if (engine === undefined) {
    const embedded = startService(
      'broker',
      'broker',
      ['--port', String(port), ...args('broker')],
      options.start?.broker,
    )
    broker = embedded
    procs.set('broker', embedded)
    try {
      await waitForPort(port)
    } catch (err) {
      await embedded.stop()
      throw new Error(`broker did not start: ${embedded.tail()}`, { cause: err })
    }
  }
  const probe = await startProbe(engine?.probeUrl ?? url, { latency: options.latency ?? false })
  const common = ['--broker', url, '--logLevel', 'warn', '--instance', 'bench']

  const add = async (
    service: Exclude<ServiceName, 'broker'>,
    extra: readonly string[] = [],
  ): Promise<BenchProcess> => {
    const svcArgs = [...common, ...args(service), ...extra]
    if (service === 'forwarder') svcArgs.push('--dataDir', dataDir.path)
    const p = startService(service, service, svcArgs, options.start?.[service])
    procs.set(service, p)
    try {
      await probe.waitForServices([service], 30_000)
    } catch (err) {
      throw new Error(`${service} did not start: ${p.tail()}`, { cause: err })
    }
    return p
  }

  const order = [...options.services].sort(
    (a, b) => Number(a === 'serial-bridge') - Number(b === 'serial-bridge'),
  )
  for (const s of order) await add(s)

  const stopService = async (name: string): Promise<void> => {
    const p = procs.get(name)
    if (p !== undefined) await p.stop()
  }
  return {
    url,
    port,
    procs,
    probe,
    dataDir,
    add,
    stopService,
    async stop() {
      const codes: Record<string, string> = {}
      const names = [...procs.keys()].filter((n) => n !== 'broker')
      names.sort((a, b) => Number(b === 'serial-bridge') - Number(a === 'serial-bridge'))
      for (const n of names) codes[n] = await procs.get(n)!.stop()
      await probe.close()
      if (broker !== undefined) codes.broker = await broker.stop()
      await dataDir.remove()
      return codes
    },
  }
}

/** The command words of the services in `bench/lib/one-process.ts`, by service name. */
const ONE_PROCESS_COMMAND: Record<Exclude<ServiceName, 'broker'>, string> = {
  'serial-bridge': 'bridge',
  windowing: 'window',
  anomaly: 'anomaly',
  forwarder: 'forward',
}

/** A mesh running in one process (see {@link startOneProcess}). */
export interface OneProcessMesh {
  readonly url: string
  readonly proc: BenchProcess
  readonly probe: Probe
  /** Stops the process (SIGTERM: producer first), the probe, and removes the data directory. */
  stop(): Promise<string>
}

/**
 * Starts the broker and `services` in one process, as `sluice up` does by default (`bench/lib/one-process.ts`),
 * each with `args` besides `--broker`; resolves once every service publishes metrics.
 */
export async function startOneProcess(
  services: readonly (readonly [Exclude<ServiceName, 'broker'>, readonly string[]])[],
  options: {
    readonly latency?: boolean
    readonly nodeOptions?: readonly string[]
    /** Services reach the broker through in-memory streams, as in `sluice up` (default true). */
    readonly inProcessClients?: boolean
    /**
     * Another checkout (built) whose `bench/lib/one-process.ts` and packages run instead of this one's,
     * to compare a change with its baseline in one run (`bench/mesh/cpu-per-sample.ts`).
     */
    readonly root?: string
    /** The Node binary the process runs on (default this one), to compare runtimes (`--node`). */
    readonly node?: string
  } = {},
): Promise<OneProcessMesh> {
  const port = await freePort()
  const url = `mqtt://127.0.0.1:${port}`
  const dataDir = await tempDir('sluice-bench-')
  const common = ['--broker', url, '--logLevel', 'warn', '--instance', 'bench']
  const plan = {
    broker: ['--port', String(port)],
    inProcessClients: options.inProcessClients ?? true,
    // Consumers first, the producer last, as `sluice up` orders them.
    services: [...services]
      .sort((a, b) => Number(a[0] === 'serial-bridge') - Number(b[0] === 'serial-bridge'))
      .map(([s, args]) => [
        ONE_PROCESS_COMMAND[s],
        [...common, ...args, ...(s === 'forwarder' ? ['--dataDir', dataDir.path] : [])],
      ]),
  }
  const nodeArgs =
    launchMode() === 'dist' || options.root !== undefined
      ? ['--import', 'tsx', 'lib/one-process.ts', JSON.stringify(plan)]
      : ['--conditions=sluice-src', '--import', 'tsx', 'lib/one-process.ts', JSON.stringify(plan)]
  const proc = startProcess('one process', nodeArgs, {
    nodeOptions: options.nodeOptions ?? [],
    ...(options.root !== undefined ? { cwd: join(options.root, 'bench') } : {}),
    ...(options.node !== undefined ? { node: options.node } : {}),
  })
  try {
    await waitForPort(port)
  } catch (err) {
    await proc.stop()
    throw new Error(`one process did not start: ${proc.tail()}`, { cause: err })
  }
  const probe = await startProbe(url, { latency: options.latency ?? false })
  try {
    await probe.waitForServices(
      services.map(([s]) => s),
      30_000,
    )
  } catch (err) {
    throw new Error(`one process did not start its services: ${proc.tail()}`, { cause: err })
  }
  return {
    url,
    proc,
    probe,
    async stop() {
      const code = await proc.stop()
      await probe.close()
      await dataDir.remove()
      return code
    },
  }
}
