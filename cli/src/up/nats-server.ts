/**
 * @module up/nats-server
 * `sluice up --nats`: the installed nats-server as the engine instead of the embedded broker (DESIGN.md
 * §12, issue 14). Finding the binary (a clear error naming `apt install nats-server` when it is missing),
 * and planning its process: a config from the contract's `natsServerConfig` (JetStream with its store
 * under `--data-dir`, the client port, and the MQTT listener that MQTT devices, `mosquitto_sub` and the
 * live table use), written next to the store. nats-server always runs as its own process, also when the
 * services run inside `sluice up`'s, and it stops last, in the broker's stop stage.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { natsServerConfig } from '@sluice/contract'
import { NatsServerMissingError } from '../errors.js'
import { STOP_STAGE, type PlannedChild, type UpOptions } from './plan.js'

/** Where Debian and the release tarballs put nats-server, tried after `PATH` (`/usr/sbin` is often not on it). */
export const NATS_SERVER_DIRS: readonly string[] = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/local/bin',
]

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The nats-server to run: `explicit` (`--nats-server`) when given, else the first on `PATH`, else in
 * {@link NATS_SERVER_DIRS}. Throws {@link NatsServerMissingError} saying where it looked and how to
 * install it.
 */
export function findNatsServer(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  dirs: readonly string[] = NATS_SERVER_DIRS,
): string {
  if (explicit !== undefined) {
    if (isExecutable(explicit)) return explicit
    throw new NatsServerMissingError(
      `--nats-server ${explicit} is not an executable file. Point it at an installed ` +
        'nats-server (Debian/Ubuntu: apt install nats-server, which puts it in /usr/sbin), or leave it out ' +
        'to look on PATH.',
    )
  }
  const pathDirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '')
  for (const dir of [...pathDirs, ...dirs]) {
    const candidate = join(dir, 'nats-server')
    if (isExecutable(candidate)) return candidate
  }
  const where =
    [...(pathDirs.length > 0 ? ['PATH'] : []), ...dirs].join(', ') || 'nowhere (PATH is empty)'
  throw new NatsServerMissingError(
    `--nats runs the installed nats-server, but none was found (looked in ${where}). ` +
      'Install it: apt install nats-server (Debian/Ubuntu), or a release from ' +
      'https://github.com/nats-io/nats-server/releases; or pass --nats-server <path>; or run sluice up ' +
      'without --nats for the embedded broker.',
  )
}

/** The nats-server process of `sluice up --nats`, and the file to write before starting it. */
export interface NatsServerPlan {
  /** The supervisor's child: `nats-server -c <configFile>`, stopped last. */
  readonly child: PlannedChild
  /** Where the config goes: `<data-dir>/nats/nats-server.conf`. */
  readonly configFile: string
  /** Its text (`natsServerConfig`). */
  readonly config: string
  /** The JetStream store dir: `<data-dir>/nats` (nats-server keeps streams in its `jetstream/`). */
  readonly storeDir: string
  /** `nats://127.0.0.1:<nats-port>`: every service's `--broker`. */
  readonly url: string
  /** `mqtt://127.0.0.1:<nats-mqtt-port>`: the live table's connection. */
  readonly mqttUrl: string
}

/**
 * The nats-server child for `o` (with `--nats`), run from `command`. Pure: nothing is written or started.
 *
 * @example
 * ```ts
 * const nats = planNatsServer(parseUpArgs(['--nats'], false), '/usr/sbin/nats-server')
 * writeFileSync(nats.configFile, nats.config)
 * ```
 */
export function planNatsServer(o: UpOptions, command: string): NatsServerPlan {
  const storeDir = resolve(o.dataDir, 'nats')
  const configFile = join(storeDir, 'nats-server.conf')
  const config = natsServerConfig({
    serverName: 'sluice-up',
    host: '127.0.0.1',
    port: o.natsPort,
    jetstream: { storeDir },
    mqtt: { port: o.natsMqttPort },
  })
  return {
    child: {
      name: 'nats-server',
      command,
      args: ['-c', configFile],
      stopStage: STOP_STAGE.broker,
    },
    configFile,
    config,
    storeDir,
    url: `nats://127.0.0.1:${o.natsPort}`,
    mqttUrl: `mqtt://127.0.0.1:${o.natsMqttPort}`,
  }
}

const NATS_LEVELS: Readonly<Record<string, string>> = {
  TRC: 'trace',
  DBG: 'debug',
  INF: 'info',
  WRN: 'WARN',
  ERR: 'ERROR',
  FTL: 'FATAL',
}

/**
 * A nats-server log line (`[pid] 2026/12/03 14:36:53.064752 [INF] message`, local time) in the shape of
 * the services' lines (`up/logs.ts`): `14:36:53 nats-server   info  message`, the time in UTC as theirs.
 * Other lines pass through with the name.
 */
export function formatNatsLogLine(line: string, name = 'nats-server'): string {
  const m = /^\[\d+\] (\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.\d+ \[(\w+)\] ?(.*)$/.exec(
    line,
  )
  if (m === null) return `${name.padEnd(13)} ${line}`
  const [, y, mo, d, h, mi, s, level, msg] = m
  const time = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const utc = time.toISOString().slice(11, 19)
  return `${utc} ${name.padEnd(13)} ${(NATS_LEVELS[level!] ?? level!).padEnd(5)} ${msg!}`
}
