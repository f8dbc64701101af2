/**
 * @module commands/up
 * `sluice up`: the one-command default (DESIGN.md §1, §12). Checks that every port it will listen on is
 * free (another program's broker there would pass for its own), starts the broker, waits for it, starts
 * every service against it — inside this process (`up/in-process.ts`), or each as its own process with
 * `--processes` — consumers first (each stage once the one before has subscribed), keeps them running,
 * and shows a live table of every hop from the metrics topics. Ctrl-C stops them in data-flow order (the
 * bridge, then windowing and anomaly, then the forwarder and dashboard, then the broker), each stage once
 * the one before has flushed and exited. With `--nats`, the installed nats-server (JetStream and its MQTT
 * listener, `up/nats-server.ts`) takes the broker's place: always as its own process, started first and
 * stopped last; the services get `--broker nats://…`, and the live table reads through the MQTT listener.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { connect as netConnect, createServer } from 'node:net'
import {
  decodeMetrics,
  decodeStatus,
  metricsFilter,
  parseTopic,
  statusFilter,
} from '@sluice/contract'
import { listenRefusalReason } from '@sluice/mesh'
import mqtt from 'mqtt'
import { BrokerNotReadyError, PortUnavailableError } from '../errors.js'
import { launchProcess, type ChildSpec, type Launcher } from '../up/child.js'
import { createInProcessLauncher } from '../up/in-process.js'
import { formatLogLine, LogTail, saysStarted } from '../up/logs.js'
import {
  findNatsServer,
  formatNatsLogLine,
  planNatsServer,
  type NatsServerPlan,
} from '../up/nats-server.js'
import {
  listenAddresses,
  parseUpArgs,
  planChildren,
  UP_USAGE,
  type ListenAddress,
  type PlannedChild,
} from '../up/plan.js'
import { inProcessStarters } from '../up/starters.js'
import { Supervisor } from '../up/supervisor.js'
import { renderTable, type InstanceView } from '../up/table.js'

/** How long `sluice up` waits for one start stage before starting the next anyway. */
const START_WAIT_MS = 20_000

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port }, () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}

/** The system error that keeps this process from listening on `host:port`, or undefined. */
function listenRefusal(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', resolve)
    server.listen({ host, port }, () => server.close(() => resolve(undefined)))
  })
}

/**
 * Checks, before anything starts, that every address `sluice up` will listen on is free
 * ({@link listenAddresses}); throws {@link PortUnavailableError} naming each one that is not.
 */
async function checkListenAddresses(addresses: readonly ListenAddress[]): Promise<void> {
  const refused: string[] = []
  let inUse = false
  for (const a of addresses) {
    const err = await listenRefusal(a.host, a.port)
    if (err === undefined) continue
    inUse ||= err.code === 'EADDRINUSE'
    refused.push(`${a.host}:${a.port} (${a.what}, ${a.flag}): ${listenRefusalReason(err)}`)
  }
  if (refused.length > 0)
    throw new PortUnavailableError(
      `cannot listen on ${refused.join('; ')}. Nothing was started. ` +
        (inUse
          ? 'Another program listens there (another sluice up, Mosquitto, …): stop it, or '
          : '') +
        'pass another port with the flag named.',
    )
}

/**
 * Waits until the broker listens on every one of `ports`. nats-server opens its MQTT listener only once
 * JetStream runs, so with `--nats` waiting for both ports waits for JetStream too.
 */
async function waitForBroker(
  host: string,
  ports: readonly number[],
  brokerExited: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + 15_000
  const waiting = [...ports]
  while (Date.now() < deadline) {
    const failure = brokerExited()
    if (failure !== undefined) throw new BrokerNotReadyError(failure)
    while (waiting.length > 0 && (await portOpen(host, waiting[0]!))) waiting.shift()
    if (waiting.length === 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new BrokerNotReadyError(
    `the broker did not open ${waiting.map((p) => `${host}:${p}`).join(' and ')} within 15 s`,
  )
}

/**
 * V8 flags of each child under `--processes` (issue 16): a young generation of 1 MB semi-spaces instead of
 * V8's default of up to 16 MB, which idle services grow during start-up and keep. Measured in
 * `bench/footprint`: about 25 MB less RSS per process at the same CPU. Left out when the user set their
 * own, on the command line or in NODE_OPTIONS.
 */
export function childV8Flags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): readonly string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)]
  return given.some((f) => f.startsWith('--max-semi-space-size')) ? [] : ['--max-semi-space-size=1']
}

/**
 * The plan as the supervisor's children: `sluice <command> …` run by this very Node with its flags (and
 * {@link childV8Flags}), one process each, or the subcommands started inside this process.
 */
function childrenOf(
  plan: readonly PlannedChild[],
  processes: boolean,
  inMemory: boolean,
): { specs: ChildSpec[]; launch: Launcher | undefined } {
  if (!processes) {
    return { specs: [...plan], launch: createInProcessLauncher(inProcessStarters(inMemory)) }
  }
  const self = process.argv[1]!
  const v8 = childV8Flags(process.execArgv, process.env.NODE_OPTIONS)
  const specs = plan.map((c) => ({
    name: c.name,
    command: process.execPath,
    args: [...process.execArgv, ...v8, self, c.command, ...c.args],
    stopStage: c.stopStage,
  }))
  return { specs, launch: undefined }
}

/**
 * Follows every service's status and metrics on `url` (MQTT) for the live table; `close` disconnects
 * cleanly within a second.
 */
function watchMesh(url: string): {
  readonly views: Map<string, InstanceView>
  close(): Promise<void>
} {
  const views = new Map<string, InstanceView>()
  const client = mqtt.connect(url, { clientId: `sluice-up-${process.pid}`, reconnectPeriod: 1000 })
  client.on('error', () => undefined) // reconnects by itself; the table shows stale rows meanwhile
  client.on('connect', () => {
    client.subscribe([statusFilter('sluice'), metricsFilter('sluice')], { qos: 0 })
  })
  client.on('message', (topic, payload) => {
    const t = parseTopic('sluice', topic)
    if (t === null || (t.kind !== 'status' && t.kind !== 'metrics')) return
    const key = `${t.service}/${t.instance}`
    const prev = views.get(key) ?? { service: t.service, instance: t.instance }
    if (t.kind === 'status') {
      const s = decodeStatus(payload)
      if (s.ok) views.set(key, { ...prev, status: s.value })
    } else {
      const m = decodeMetrics(payload)
      if (m.ok) views.set(key, { ...prev, metrics: m.value, metricsAt: Date.now() })
    }
  })
  return {
    views,
    async close() {
      // A clean MQTT disconnect before the broker stops: nats-server deletes the table's MQTT session
      // from JetStream then, which fails (logged as an error) once JetStream is shutting down.
      await Promise.race([client.endAsync(), new Promise((r) => setTimeout(r, 1000))])
      client.end(true)
    },
  }
}

/** Runs the whole pipeline until SIGINT/SIGTERM. */
export async function runUp(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(UP_USAGE + '\n')
    return 0
  }
  const o = parseUpArgs(argv, process.stdout.isTTY, process.env)
  // Thrown errors are printed with their code by main.ts.
  await checkListenAddresses(listenAddresses(o))
  // Before anything is started or written: a missing nats-server is a clear error, not a crash loop.
  const nats: NatsServerPlan | undefined = o.nats
    ? planNatsServer(o, findNatsServer(o.natsServer, process.env))
    : undefined
  mkdirSync(o.dataDir, { recursive: true })
  if (nats !== undefined) {
    mkdirSync(nats.storeDir, { recursive: true })
    writeFileSync(nats.configFile, nats.config)
  }
  const { specs, launch } = childrenOf(planChildren(o), o.processes, o.inMemory)
  const tail = new LogTail(12)
  const print = (line: string): void => {
    if (o.table) tail.push(line)
    else process.stdout.write(line + '\n')
  }
  // The broker runs apart: the services start once it listens, and it stops after all of them.
  // nats-server is a program, not a sluice subcommand: always its own process.
  const brokerSpec = nats?.child ?? specs.find((s) => s.name === 'broker')!
  const broker = new Supervisor([brokerSpec], nats === undefined ? launch : launchProcess)
  let brokerFailure: string | undefined
  // Only the last lines explain a failed start; the broker logs for as long as `sluice up` runs.
  const brokerOutput = new LogTail(3)
  broker.on('output', (name, line) => {
    brokerOutput.push(line)
    print(nats === undefined ? formatLogLine(name, line) : formatNatsLogLine(line, name))
  })
  broker.on('exit', (_n, code) => {
    if (code !== 0)
      brokerFailure = brokerOutput.lines.join('\n') || `the broker exited with ${code}`
  })
  broker.start()
  const brokerHost = nats !== undefined || o.host === '0.0.0.0' ? '127.0.0.1' : o.host
  const brokerPorts = nats === undefined ? [o.port] : [o.natsPort, o.natsMqttPort]
  try {
    await waitForBroker(brokerHost, brokerPorts, () => brokerFailure)
  } catch (err) {
    await broker.stop()
    throw err
  }
  const stopAsked = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  const services = new Supervisor(
    specs.filter((s) => s !== brokerSpec),
    launch,
  )
  const started = new Set<string>()
  services.on('output', (name, line) => {
    if (saysStarted(line)) started.add(name)
    print(formatLogLine(name, line))
  })
  services.on('exit', (name, code, signal, again) =>
    print(`${name} exited (${signal ?? code})${again ? ', restarting' : ''}`),
  )
  // Consumers first, each stage once the one before has subscribed: nothing published at start is
  // missed by a consumer that was not listening yet (the forwarder, above all).
  const starting = services
    .startInStages((name) => started.has(name), START_WAIT_MS)
    .then((late) => {
      if (late.length > 0)
        print(
          `sluice up: ${late.join(', ')} did not say "service started" within ${START_WAIT_MS / 1000} s; ` +
            'started the rest anyway (see the logs above)',
        )
    })

  // With --nats, the table reads through nats-server's MQTT listener, which sees the services' NATS
  // publishes: an MQTT subscription to sluice/_sys/+/+/metrics gets subject sluice._sys.*.*.metrics.
  const url = nats?.mqttUrl ?? `mqtt://${brokerHost}:${o.port}`
  const brokerLabel = nats === undefined ? url : `${nats.url} (MQTT ${nats.mqttUrl})`
  // Only the table reads the metrics: without it (stdout not a terminal, e.g. under systemd) the watcher
  // would be one more client decoding six metrics messages a second for nothing (issue 16, idle CPU).
  const watch = o.table ? watchMesh(url) : undefined

  const dashboardLine = o.dashboard
    ? `dashboard: http://127.0.0.1:${o.dashboardPort}/`
    : 'dashboard: off'
  print(`sluice up: broker ${brokerLabel}  ${dashboardLine}  (Ctrl-C to stop)`)
  const timer = watch
    ? setInterval(() => {
        const lines = [
          `sluice up — broker ${brokerLabel} — ${dashboardLine} — Ctrl-C to stop`,
          '',
          ...renderTable([...watch.views.values()], Date.now()),
          '',
          ...tail.lines,
        ]
        process.stdout.write('\x1b[H\x1b[2J' + lines.join('\n') + '\n')
      }, 1000)
    : undefined

  await stopAsked
  if (timer) clearInterval(timer)
  process.stdout.write(
    '\nsluice up: stopping in data-flow order (bridge, windowing and anomaly, forwarder and dashboard, ' +
      'then the broker)…\n',
  )
  await Promise.all([services.stop(), starting])
  await watch?.close()
  await broker.stop()
  return 0
}
