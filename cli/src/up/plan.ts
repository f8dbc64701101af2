/**
 * @module up/plan
 * What `sluice up` runs: the broker first, then every service as its own process pointed at it, with the
 * flags each needs, consumers before the producers that feed them; and the order it stops them in, which
 * is the data flow's (bridge, then windowing and anomaly, then forwarder and dashboard, then the broker),
 * so that every stage still has its consumers while it flushes. Pure (flags in, child specs out), so the plan is tested without starting anything, and
 * the compose file and systemd units can be checked against the same commands.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CliUsageError } from '../errors.js'

/** `sluice up`'s options. */
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
  /** One process per service instead of all of them in this process. */
  readonly processes: boolean
}

export const UP_USAGE = `Usage: sluice up [options]

Runs the embedded broker and every service on this machine — in this one process by default, each
service with its own MQTT client, hops and metrics — restarts any that crash, and shows a live table per
service and hop. Ctrl-C drains and stops everything.

  --port <n>             broker MQTT port (default 1883)
  --ws-port <n>          broker MQTT-over-WebSocket port, for browser MQTT clients (default 9001)
  --serial <path>        read a real device on this serial port instead of simulating sensors
  --baud <n>             serial baud rate (default 115200)
  --sensors <n>          simulated devices, each with a light and a temp channel (default 3)
  --rate <hz>            simulated sample rate per device (default 10)
  --data-dir <dir>       where the forwarder writes (default ./sluice-data)
  --config-dir <dir>     per-service YAML files: <dir>/<service>.yaml, used when present
  --dashboard-port <n>   dashboard HTTP port on 127.0.0.1 (default 8080)
  --no-dashboard         do not start the dashboard
  --no-table             print logs only (default when stdout is not a terminal)
  --processes            run each service as its own process (as on separate machines) instead of all
                         of them inside this process`

/** Parses `sluice up` flags; throws a `CliUsageError` with every problem listed. */
export function parseUpArgs(argv: readonly string[], isTty: boolean): UpOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowNegative: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '1883' },
      'ws-port': { type: 'string', default: '9001' },
      serial: { type: 'string' },
      baud: { type: 'string', default: '115200' },
      sensors: { type: 'string', default: '3' },
      rate: { type: 'string', default: '10' },
      'data-dir': { type: 'string', default: 'sluice-data' },
      'config-dir': { type: 'string' },
      dashboard: { type: 'boolean', default: true },
      'dashboard-port': { type: 'string', default: '8080' },
      table: { type: 'boolean', default: isTty },
      processes: { type: 'boolean', default: false },
    },
  })
  const problems: string[] = []
  const int = (name: string, v: string, min: number): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min)
      problems.push(`--${name} must be an integer ≥ ${min}, got "${v}"`)
    return n
  }
  const rate = Number(values.rate)
  const opts: UpOptions = {
    host: values.host,
    port: int('port', values.port, 0),
    wsPort: int('ws-port', values['ws-port'], 0),
    ...(values.serial === undefined ? {} : { serial: values.serial }),
    baud: int('baud', values.baud, 50),
    sensors: int('sensors', values.sensors, 1),
    rate,
    dataDir: values['data-dir'],
    ...(values['config-dir'] === undefined ? {} : { configDir: values['config-dir'] }),
    dashboard: values.dashboard,
    dashboardPort: int('dashboard-port', values['dashboard-port'], 0),
    table: values.table,
    processes: values.processes,
  }
  if (!(rate > 0)) problems.push(`--rate must be a positive number of Hz, got "${values.rate}"`)
  if (problems.length > 0) throw new CliUsageError(problems.join('\n'))
  return opts
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

/** The processes `sluice up` starts, in start order (the broker first, the bridge last). */
export function planChildren(o: UpOptions): PlannedChild[] {
  const broker = `mqtt://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${o.port}`
  const common = (svc: string): string[] => {
    const file = o.configDir === undefined ? undefined : join(o.configDir, `${svc}.yaml`)
    return [
      '--broker',
      broker,
      ...(file !== undefined && existsSync(file) ? ['--config', file] : []),
    ]
  }
  const bridgeArgs =
    o.serial === undefined
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
  const children: PlannedChild[] = [
    {
      name: 'broker',
      command: 'broker',
      args: ['--host', o.host, '--port', String(o.port), '--ws-port', String(o.wsPort)],
      stopStage: STOP_STAGE.broker,
    },
    {
      name: 'forwarder',
      command: 'forward',
      args: [...common('forwarder'), '--dataDir', o.dataDir],
      stopStage: STOP_STAGE.sink,
    },
  ]
  if (o.dashboard) {
    children.push({
      name: 'dashboard',
      command: 'dashboard',
      // The dashboard subscribes over MQTT like any service and serves the page over SSE (docs/dashboard.md).
      args: [...common('dashboard'), '--port', String(o.dashboardPort)],
      stopStage: STOP_STAGE.sink,
    })
  }
  children.push(
    {
      name: 'windowing',
      command: 'window',
      args: common('windowing'),
      stopStage: STOP_STAGE.processor,
    },
    {
      name: 'anomaly',
      command: 'anomaly',
      args: common('anomaly'),
      stopStage: STOP_STAGE.processor,
    },
    {
      name: 'serial-bridge',
      command: 'bridge',
      args: [...common('serial-bridge'), ...bridgeArgs],
      stopStage: STOP_STAGE.producer,
    },
  )
  return children
}
