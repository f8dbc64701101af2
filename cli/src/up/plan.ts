/**
 * @module up/plan
 * What `sluice up` runs: the subcommands of the command table (`commands.ts`) that have an `up` role, the
 * broker first, then every service pointed at it, with the flags each needs, consumers before the
 * producers that feed them; and the order it stops them in, which
 * is the data flow's (bridge, then windowing and anomaly, then forwarder and dashboard, then the broker),
 * so that every stage still has its consumers while it flushes. With `--nats` the embedded broker is left
 * out: nats-server is planned apart (`up/nats-server.ts`) and every service gets `--broker nats://…`. Pure (flags in, child specs out), so the plan is tested without starting anything, and
 * the compose file and systemd units can be checked against the same commands.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { loadOptions, MeshConfigError } from '@sluice/mesh'
import { commands } from '../commands.js'
import { describeOptions } from '../help.js'

/** The most instances of one service `sluice up` starts (`--windowing`, `--anomaly`). */
export const MAX_INSTANCES = 16

/**
 * An instance count is a `Number` with `multipleOf: 1`, not an `Integer`: the config loader converts
 * `--windowing 2.5` to an integer by truncating it, which would start 2 without a word.
 */
const INSTANCES_OPTION = { minimum: 1, maximum: MAX_INSTANCES, multipleOf: 1, default: 1 } as const

/** `sluice up`'s options: flags (`--ws-port`), `SLUICE_WS_PORT`, or a YAML file (`--config up.yaml`). */
export const UpOptionsSchema = Type.Object({
  host: Type.String({
    default: '127.0.0.1',
    description:
      'broker address (0.0.0.0: every interface, which needs credentials; see sluice broker --help)',
  }),
  port: Type.Integer({
    minimum: 0,
    maximum: 65_535,
    default: 1883,
    description: 'broker MQTT port',
  }),
  'ws-port': Type.Integer({
    minimum: 0,
    maximum: 65_535,
    default: 9001,
    description: 'broker MQTT-over-WebSocket port, for browser MQTT clients',
  }),
  serial: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'read a real device on this serial port instead of simulating sensors',
    }),
  ),
  baud: Type.Integer({ minimum: 50, default: 115_200, description: 'serial baud rate' }),
  sensors: Type.Integer({
    minimum: 1,
    default: 3,
    description: 'simulated devices, each with a light and a temp channel',
  }),
  rate: Type.Number({
    exclusiveMinimum: 0,
    default: 10,
    description: 'simulated sample rate per device (Hz)',
  }),
  'data-dir': Type.String({ default: 'sluice-data', description: 'where the forwarder writes' }),
  'config-dir': Type.Optional(
    Type.String({
      description: 'per-service YAML files: <dir>/<service>.yaml, used when present',
    }),
  ),
  dashboard: Type.Boolean({
    default: true,
    description: 'start the dashboard (--no-dashboard: do not)',
  }),
  'dashboard-port': Type.Integer({
    minimum: 0,
    maximum: 65_535,
    default: 8080,
    description: 'dashboard HTTP port on 127.0.0.1',
  }),
  table: Type.Optional(
    Type.Boolean({
      description:
        'show the live table (--no-table: logs only; default: when stdout is a terminal)',
    }),
  ),
  windowing: Type.Number({
    ...INSTANCES_OPTION,
    description:
      'windowing instances (1–16), one group sharing the sensors: windowing-1 … windowing-N',
  }),
  anomaly: Type.Number({
    ...INSTANCES_OPTION,
    description: 'anomaly instances (1–16), one group sharing the sensors: anomaly-1 … anomaly-N',
  }),
  processes: Type.Boolean({
    default: false,
    description:
      'run each service as its own process (as on separate machines) instead of all of them inside ' +
      'this process, which is one event loop on one core: for high rates (docs/performance.md: 100 ' +
      'simulated sensors at 100 Hz fit in one process, at 500 Hz they need --processes)',
  }),
  'in-memory': Type.Boolean({
    default: true,
    description:
      'in one process, services reach the broker through in-memory streams (--no-in-memory: loopback ' +
      'sockets, as separate processes would; e.g. to watch the traffic with tcpdump)',
  }),
  nats: Type.Boolean({
    default: false,
    description:
      'run the installed nats-server (JetStream, store in <data-dir>/nats) instead of the embedded ' +
      'broker; services connect with nats://, MQTT clients to --nats-mqtt-port (--port and --ws-port ' +
      'are then unused)',
  }),
  'nats-port': Type.Integer({
    minimum: 1,
    maximum: 65_535,
    default: 4222,
    description: 'with --nats: nats-server client port on 127.0.0.1',
  }),
  'nats-mqtt-port': Type.Integer({
    minimum: 1,
    maximum: 65_535,
    default: 1883,
    description:
      "with --nats: nats-server's MQTT 3.1.1 listener on 127.0.0.1, for devices and mosquitto_sub",
  }),
  'nats-server': Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'with --nats: the nats-server binary (default: on PATH, then /usr/sbin, /usr/local/bin)',
    }),
  ),
})

/** `sluice up`'s options, resolved. */
export interface UpOptions {
  readonly host: string
  readonly port: number
  readonly wsPort: number
  readonly serial?: string
  readonly baud: number
  readonly sensors: number
  readonly rate: number
  readonly dataDir: string
  readonly configDir?: string
  readonly dashboard: boolean
  readonly dashboardPort: number
  readonly table: boolean
  /** Windowing instances, in one group (issue 13). */
  readonly windowing: number
  /** Anomaly instances, in one group (issue 13). */
  readonly anomaly: number
  /** One process per service instead of all of them in this process. */
  readonly processes: boolean
  /** In one process, services reach the embedded broker through in-memory streams (issue 16). */
  readonly inMemory: boolean
  /** NATS JetStream (the installed nats-server) instead of the embedded broker (issue 14). */
  readonly nats: boolean
  /** nats-server's client port, with `nats`. */
  readonly natsPort: number
  /** nats-server's MQTT listener port, with `nats`. */
  readonly natsMqttPort: number
  /** The nats-server binary, when given. */
  readonly natsServer?: string
}

/** An address `sluice up` listens on: what listens there, and the flag that moves it. */
export interface ListenAddress {
  readonly host: string
  readonly port: number
  readonly what: string
  readonly flag: string
}

/**
 * Every address `sluice up` will listen on (port 0, any free port, left out), to be checked before anything
 * starts: a broker port another program holds would otherwise look like the broker being ready, and the
 * services would join that program's mesh (a second simulator with the same device names, a second
 * forwarder on the same spool).
 */
export function listenAddresses(o: UpOptions): ListenAddress[] {
  const at = (host: string, port: number, what: string, flag: string): ListenAddress => ({
    host,
    port,
    what,
    flag,
  })
  const local = '127.0.0.1'
  return [
    ...(o.nats
      ? [
          at(local, o.natsPort, "nats-server's client port", '--nats-port'),
          at(local, o.natsMqttPort, "nats-server's MQTT port", '--nats-mqtt-port'),
        ]
      : [
          at(o.host, o.port, "the broker's MQTT port", '--port'),
          at(o.host, o.wsPort, "the broker's WebSocket port", '--ws-port'),
        ]),
    ...(o.dashboard
      ? [at(local, o.dashboardPort, "the dashboard's HTTP port", '--dashboard-port')]
      : []),
  ].filter((a) => a.port !== 0)
}

/** `sluice up --help`, generated from {@link UpOptionsSchema} as every service's help is. */
export const UP_USAGE = [
  'Usage: sluice up [--config up.yaml] [options]',
  '',
  'Runs the embedded broker and every service on this machine — in this one process by default, each',
  'service with its own MQTT client, hops and metrics — restarts any that crash, and shows a live table per',
  'service and hop. Ctrl-C drains and stops everything. With --nats, the installed nats-server (JetStream)',
  "takes the embedded broker's place.",
  '',
  'Options are read from the YAML file, then SLUICE_* environment variables (SLUICE_WS_PORT), then flags.',
  '',
  ...describeOptions(UpOptionsSchema),
].join('\n')

/** An issue's message, with TypeBox's "multiple of 1" said as what an instance count must be. */
function plain(message: string): string {
  const got = /\(got .*\)$/.exec(message)?.[0] ?? ''
  return /multiple of 1\b/.test(message)
    ? `expected a whole number of instances, 1–${MAX_INSTANCES} ${got}`.trim()
    : message
}

/**
 * Parses `sluice up`'s options with the services' config loader (`loadOptions`); throws a
 * `MeshConfigError` (exit 2) with every problem listed, each named by its flag, and any positional word
 * (`sluice up foo`, `sluice up -- --serial x`) named too: `sluice up` takes none.
 */
export function parseUpArgs(
  argv: readonly string[],
  isTty: boolean,
  env: Readonly<Record<string, string | undefined>> = {},
): UpOptions {
  let v: Static<typeof UpOptionsSchema>
  try {
    v = loadOptions({ schema: UpOptionsSchema, argv, env, refusePositionals: true })
  } catch (err) {
    if (!(err instanceof MeshConfigError)) throw err
    // An issue about the whole command line (a positional word) keeps its path: it names no flag.
    throw new MeshConfigError(
      err.issues.map((i) =>
        i.path === '/' ? i : { ...i, path: `--${i.path}`, message: plain(i.message) },
      ),
    )
  }
  const natsIssues = [
    ...(v.nats && !['127.0.0.1', 'localhost'].includes(v.host)
      ? [
          {
            path: '--host',
            message:
              `with --nats, nats-server listens on 127.0.0.1 only (got ${v.host}): sluice up sets up no ` +
              'NATS credentials yet. Leave --host out, or run nats-server yourself and start each service ' +
              'with --broker nats://…',
          },
        ]
      : []),
    ...(v.nats && v['nats-port'] === v['nats-mqtt-port']
      ? [
          {
            path: '--nats-mqtt-port',
            message: `must differ from --nats-port (both ${v['nats-port']})`,
          },
        ]
      : []),
  ]
  if (natsIssues.length > 0) throw new MeshConfigError(natsIssues)
  return {
    host: v.host,
    port: v.port,
    wsPort: v['ws-port'],
    ...(v.serial === undefined ? {} : { serial: v.serial }),
    baud: v.baud,
    sensors: v.sensors,
    rate: v.rate,
    dataDir: v['data-dir'],
    ...(v['config-dir'] === undefined ? {} : { configDir: v['config-dir'] }),
    dashboard: v.dashboard,
    dashboardPort: v['dashboard-port'],
    table: v.table ?? isTty,
    windowing: v.windowing,
    anomaly: v.anomaly,
    processes: v.processes,
    inMemory: v['in-memory'],
    nats: v.nats,
    natsPort: v['nats-port'],
    natsMqttPort: v['nats-mqtt-port'],
    ...(v['nats-server'] === undefined ? {} : { natsServer: v['nats-server'] }),
  }
}

/** One process of the plan: the `sluice` subcommand and its arguments. */
export interface PlannedChild {
  readonly name: string
  readonly command: string
  readonly args: readonly string[]
  /** When it stops: stage by stage, lowest first, each once the one before has exited (drained). */
  readonly stopStage: number
}

/** Stop stages, in data-flow order (issue 11: the forwarder used to stop before windowing flushed). */
export const STOP_STAGE = {
  producer: 0,
  processor: 1,
  sink: 2,
  broker: 3,
} as const

/** The arguments of each child beyond `--broker` and `--config`; undefined leaves the child out. */
function ownArgs(command: string, o: UpOptions): readonly string[] | undefined {
  switch (command) {
    case 'broker':
      return ['--host', o.host, '--port', String(o.port), '--ws-port', String(o.wsPort)]
    case 'forward':
      return ['--dataDir', o.dataDir]
    case 'dashboard':
      // The dashboard subscribes over MQTT like any service and serves the page over SSE (docs/dashboard.md).
      return o.dashboard ? ['--port', String(o.dashboardPort)] : undefined
    case 'bridge':
      return o.serial === undefined
        ? [
            '--mode',
            'sim',
            '--channels',
            'light,temp',
            '--sim.devices',
            String(o.sensors),
            '--sim.rateHz',
            String(o.rate),
            // An injected spike, shift or drift every ~2 minutes at 10 Hz, so the anomaly path has work to show.
            '--sim.anomalyEvery',
            String(Math.max(100, Math.round(o.rate * 120))),
          ]
        : ['--mode', 'serial', '--port', o.serial, '--baud', String(o.baud)]
    default:
      return []
  }
}

/**
 * The processes `sluice up` starts, in start order: every subcommand of the command table with an `up`
 * role, by stage (the broker first, then the sinks, the processors, and the bridge last), each service
 * pointed at the broker (and at `<config-dir>/<name>.yaml` when present).
 */
export function planChildren(o: UpOptions): PlannedChild[] {
  const broker = o.nats
    ? `nats://127.0.0.1:${o.natsPort}`
    : `mqtt://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${o.port}`
  const connect = (name: string): string[] => {
    const file = o.configDir === undefined ? undefined : join(o.configDir, `${name}.yaml`)
    return [
      '--broker',
      broker,
      ...(file !== undefined && existsSync(file) ? ['--config', file] : []),
    ]
  }
  const children: PlannedChild[] = []
  for (const [command, { up }] of Object.entries(commands)) {
    if (up === undefined) continue
    // With --nats, nats-server is the broker: planned apart (up/nats-server.ts), always its own process.
    if (o.nats && up.stage === 'broker') continue
    const own = ownArgs(command, o)
    if (own === undefined) continue
    const args = up.stage === 'broker' ? own : [...connect(up.name), ...own]
    for (const instance of instanceIds(up.name, o))
      children.push({
        name: instance ?? up.name,
        command,
        args: instance === undefined ? args : [...args, '--instance', instance],
        stopStage: STOP_STAGE[up.stage],
      })
  }
  // Sort is stable: within a stage, the table's order.
  return children.sort((a, b) => b.stopStage - a.stopStage)
}

/**
 * The instance ids of a service: `[undefined]` (one instance, with its default id, as before) unless
 * `--windowing` or `--anomaly` asks for more: then `<name>-1` … `<name>-N`, all in the service's default
 * group (its name), so that they share the sensors (DESIGN.md §12, issue 13).
 */
function instanceIds(name: string, o: UpOptions): readonly (string | undefined)[] {
  const n = name === 'windowing' ? o.windowing : name === 'anomaly' ? o.anomaly : 1
  return n === 1 ? [undefined] : Array.from({ length: n }, (_, i) => `${name}-${i + 1}`)
}
