/**
 * @module commands
 * The table of `sluice` subcommands: name, one-line summary, a lazy runner, and for those `sluice up`
 * runs, their part in it (`up`): `up/plan.ts` plans its children from this table, so a subcommand with
 * an `up` role is started by `sluice up`, and one without is not.
 */
import { runServiceCommand } from './commands/service.js'
import { serviceDefinitions } from './services.js'

/**
 * A subcommand's part in `sluice up`: the name of its child (its config file is `<name>.yaml` in
 * `--config-dir`) and its stage. Children start by stage, the broker first and producers last (consumers
 * before what feeds them), and stop in the reverse order, the data flow's (issue 11).
 */
export interface UpRole {
  readonly name: string
  readonly stage: 'broker' | 'sink' | 'processor' | 'producer'
}

/** One subcommand. `run` resolves with an exit code, or undefined when the process keeps running. */
export interface Command {
  readonly summary: string
  run(argv: readonly string[]): Promise<number | undefined>
  /** Set when `sluice up` runs this subcommand. */
  readonly up?: UpRole
}

const service =
  (command: string, summary: string) =>
  async (argv: readonly string[]): Promise<undefined> => {
    runServiceCommand(command, summary, await serviceDefinitions[command]!(), argv)
    return undefined
  }

const S = {
  up: 'Run the broker and every service on this machine, with a live table (simulated sensors by default).',
  broker: 'Run the embedded MQTT broker.',
  bridge: 'Read a serial device (or simulate sensors, or replay a CSV) and publish raw samples.',
  window: 'Compute window statistics per sensor.',
  anomaly: 'Detect anomalies per sensor.',
  forward: 'Forward windows and anomalies to InfluxDB, HTTP, a cloud MQTT broker or files.',
  dashboard: 'Serve the live web dashboard.',
  replay: 'Run a detector over a CSV file or the NAB corpus, and score it.',
  lab: 'Run a streaming lab experiment on the real services, with a table and SVG plots.',
  bench: 'Run the benchmarks (same as pnpm bench).',
  health: 'Exit 0 when the broker (and optionally a service) is up: for healthchecks.',
} as const

/** Every subcommand, by name. */
export const commands: Readonly<Record<string, Command>> = {
  up: { summary: S.up, run: async (argv) => (await import('./commands/up.js')).runUp(argv) },
  broker: {
    summary: S.broker,
    up: { name: 'broker', stage: 'broker' },
    run: async (argv) =>
      (await import('./commands/broker.js')).runBrokerCommand(argv, S.broker, async () => {
        const { BROKER_VERSION } = await import('@sluice/broker')
        // pino JSON on stdout like every service (STYLE.md, Logging); `sluice up` pretty-prints it
        const { pino } = await import('pino')
        const logger = pino({
          level: process.env.SLUICE_LOG_LEVEL ?? 'info',
          base: { svc: 'broker', version: BROKER_VERSION },
        })
        return { logger }
      }),
  },
  bridge: {
    summary: S.bridge,
    up: { name: 'serial-bridge', stage: 'producer' },
    run: async (argv) => {
      const bridge = await import('@sluice/serial-bridge')
      // `--list` prints the serial ports and exits, without a broker.
      if (argv.includes('--list')) return bridge.printPortList()
      runServiceCommand('bridge', S.bridge, bridge.serialBridgeService, argv, [
        '       sluice bridge --list   (prints the serial ports the bridge can see, and exits)',
      ])
      return undefined
    },
  },
  window: {
    summary: S.window,
    up: { name: 'windowing', stage: 'processor' },
    run: service('window', S.window),
  },
  anomaly: {
    summary: S.anomaly,
    up: { name: 'anomaly', stage: 'processor' },
    run: service('anomaly', S.anomaly),
  },
  forward: {
    summary: S.forward,
    up: { name: 'forwarder', stage: 'sink' },
    run: service('forward', S.forward),
  },
  dashboard: {
    summary: S.dashboard,
    up: { name: 'dashboard', stage: 'sink' },
    run: service('dashboard', S.dashboard),
  },
  replay: {
    summary: S.replay,
    run: async (argv) => (await import('./commands/replay.js')).runReplay([...argv]),
  },
  lab: {
    summary: S.lab,
    run: async (argv) => (await import('./commands/lab.js')).runLab(argv),
  },
  health: {
    summary: S.health,
    run: async (argv) => (await import('./commands/health.js')).runHealth(argv),
  },
  bench: {
    summary: S.bench,
    run: async (argv) => (await import('./commands/bench.js')).runBench(argv),
  },
}

/** The top-level help. */
export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length))
  return [
    'Usage: sluice <command> [options]   (sluice <command> --help for its options)',
    '',
    'Commands:',
    ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
  ].join('\n')
}
