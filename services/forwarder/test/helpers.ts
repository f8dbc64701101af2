/**
 * @module test/helpers
 * What the forwarder's integration suites share: valid Sluice payloads with exact, distinct values and
 * timestamps; sink config entries with every default spelled out; a restartable influxd (same port, same
 * data directory, so an outage can be staged); InfluxQL queries with microsecond epochs; and the
 * forwarder run as a real child process, for kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { AnomalyEvent, WindowAggregate } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import {
  externalRequired,
  findProgram,
  freePort,
  influxdConfig,
  setTomlKey,
  startProcess,
  tempDir,
  waitFor,
  type ProgramLookup,
  type RunningProcess,
  type TempDir,
} from '@sluice/testkit'
import type { SinkConfig } from '../src/config.js'

/** The repository root (tests run with the package as cwd). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')

/** Event time of sample `i`: distinct, with a fraction of a millisecond (microsecond-exact). */
export const sampleTime = (i: number): number => 1_732_480_000_000 + i * 10 + 0.125

/** Raw sample `i` with a value that needs all of a double's digits. */
export function rawSample(i: number): Sample {
  const t = sampleTime(i)
  return { seq: i, t, value: Math.sin(i) * 1000 + i / 3, ingest: t + 0.5 }
}

/** Window aggregate `i` (window w5s), ending at a distinct time. */
export function windowAggregate(i: number): WindowAggregate {
  const end = sampleTime(i * 50)
  return {
    window: 'w5s',
    kind: 'tumbling',
    start: end - 500,
    end,
    count: 50,
    mean: 450 + i / 7,
    std: 3 + i / 11,
    min: 440 - i,
    max: 460 + i,
    first: 441.5,
    last: 459.25,
    seqFrom: i * 50,
    seqTo: i * 50 + 49,
    late: 0,
    ingestMax: end + 1,
  }
}

/** Anomaly event `i`. */
export function anomalyEvent(i: number): AnomalyEvent {
  const t = sampleTime(i * 97 + 3)
  return {
    seq: i * 97 + 3,
    t,
    value: 900 + i / 9,
    score: 4 + i / 13,
    threshold: 3,
    detector: 'zscore',
    level: 'very-unusual',
    kind: 'spike',
    baseline: { mean: 450.5, std: 12.25, n: 120 },
    ingest: t + 0.5,
  }
}

const DELIVERY = {
  topics: ['window', 'anomaly'],
  batchSize: 500,
  lingerMs: 50,
  ratePerSecond: 0,
  burst: 100,
  retryBaseMs: 100,
  retryMaxMs: 2000,
  spoolMaxBytes: 8 * 1024 * 1024,
}

/** An InfluxDB v1 sink entry with every default spelled out. */
export function influxSink(o: { name: string; url: string } & Partial<SinkConfig>): SinkConfig {
  return {
    type: 'influx',
    ...DELIVERY,
    apiVersion: 1,
    database: 'sluice',
    timeoutMs: 5000,
    ...o,
  } as SinkConfig
}

/** A webhook sink entry. */
export function httpSink(o: { name: string; url: string } & Partial<SinkConfig>): SinkConfig {
  return { type: 'http', ...DELIVERY, headers: {}, timeoutMs: 5000, ...o } as SinkConfig
}

/** A cloud MQTT sink entry. */
export function mqttSink(o: { name: string; url: string } & Partial<SinkConfig>): SinkConfig {
  return {
    type: 'mqtt',
    ...DELIVERY,
    qos: 1,
    rejectUnauthorized: true,
    timeoutMs: 5000,
    ...o,
  } as SinkConfig
}

/** A file sink entry. */
export function fileSink(o: { name: string } & Partial<SinkConfig>): SinkConfig {
  return { type: 'file', ...DELIVERY, rotateBytes: 16 * 1024 * 1024, keep: 5, ...o } as SinkConfig
}

/** The rows of an InfluxQL query, with times as integer microseconds since the epoch. */
export async function queryRows(
  url: string,
  db: string,
  q: string,
  auth?: { readonly u: string; readonly p: string },
): Promise<{ columns: string[]; values: unknown[][] }> {
  const body = new URLSearchParams({ q, db, epoch: 'u' })
  // influxd 1.x reads credentials from the URL or Basic auth, not from a form body.
  const headers: Record<string, string> =
    auth === undefined
      ? {}
      : { Authorization: `Basic ${Buffer.from(`${auth.u}:${auth.p}`).toString('base64')}` }
  const res = await fetch(`${url}/query`, { method: 'POST', body, headers })
  if (!res.ok) throw new Error(`influxd /query answered ${res.status}: ${await res.text()}`)
  const json = (await res.json()) as {
    results: { error?: string; series?: { columns: string[]; values: unknown[][] }[] }[]
  }
  const r = json.results[0]
  if (r?.error !== undefined) throw new Error(`influxd rejected ${q}: ${r.error}`)
  const s = r?.series?.[0]
  return s === undefined ? { columns: [], values: [] } : { columns: s.columns, values: s.values }
}

/** Rows as objects keyed by column. */
export function asObjects(r: {
  columns: string[]
  values: unknown[][]
}): Record<string, unknown>[] {
  return r.values.map((v) => Object.fromEntries(r.columns.map((c, i) => [c, v[i]])))
}

/**
 * The local influxd binary, or undefined (skip). The outage test stops and starts influxd on one port and
 * one data directory, which the Docker fallback of testkit cannot do: under SLUICE_REQUIRE_EXTERNAL=1 a
 * missing local binary is an error, not a skip.
 */
export function localInfluxd(): (ProgramLookup & { path: string }) | undefined {
  const found = findProgram('influxd', { log: null })
  if (found.path !== undefined) return { ...found, path: found.path }
  if (externalRequired())
    throw new Error(
      'influxd must be installed locally (apt-get install influxdb): SLUICE_REQUIRE_EXTERNAL=1',
    )
  process.stderr.write(
    '[sluice forwarder tests] influxd not installed locally; skipping the InfluxDB tests\n',
  )
  return undefined
}

/** An influxd that can be stopped and started again on the same port with the same data. */
export interface RestartableInfluxd {
  readonly url: string
  start(): Promise<void>
  /** SIGTERM, as an operator's restart or a crash of the database host would be seen by a client. */
  stop(): Promise<void>
  /** Stops it and removes its data. */
  remove(): Promise<void>
}

const run = promisify(execFile)

/** Prepares an influxd (Debian's 1.x) in a temporary directory on a free port; call `start()`. */
export async function restartableInfluxd(
  lookup: ProgramLookup & { path: string },
  options: { auth?: boolean } = {},
): Promise<RestartableInfluxd> {
  const dir: TempDir = await tempDir('sluice-fwd-influxd-')
  const { stdout: defaults } = await run(lookup.path, ['config'], { cwd: dir.path })
  const httpPort = await freePort()
  let rpcPort = await freePort()
  while (rpcPort === httpPort) rpcPort = await freePort()
  const file = join(dir.path, 'influxdb.conf')
  let config = influxdConfig(defaults, { dir: dir.path, httpPort, rpcPort })
  // With auth on, the first user must be an admin, created without credentials (InfluxDB 1.x docs,
  // "Authentication and authorization").
  if (options.auth === true) config = setTomlKey(config, 'http', 'auth-enabled', true)
  writeFileSync(file, config)
  const url = `http://127.0.0.1:${httpPort}`
  let proc: RunningProcess | undefined
  const ping = async (): Promise<boolean> => {
    try {
      return (await fetch(`${url}/ping`)).status === 204
    } catch {
      return false
    }
  }
  return {
    url,
    async start() {
      proc = await startProcess(lookup.path, ['run', '-config', file], {
        name: 'influxd',
        cwd: dir.path,
        env: { ...process.env, INFLUXDB_CONFIG_PATH: file },
        readyWhen: { probe: ping },
        timeout: 30_000,
      })
    },
    async stop() {
      await proc?.stop(10_000)
      proc = undefined
    },
    async remove() {
      await proc?.stop(10_000)
      await dir.remove()
    },
  }
}

/** The forwarder as a real process (`node --import tsx …/main.ts`), so a test can kill -9 it. */
export interface ForwarderProcess {
  readonly child: ChildProcess
  output(): string
  /** Resolves once it has exited. */
  readonly exited: Promise<void>
}

/** Writes `config` as YAML and starts the forwarder with it. */
export function spawnForwarder(
  configFile: string,
  config: Record<string, unknown>,
  args: string[],
): ForwarderProcess {
  // JSON is YAML: no YAML library needed to write the config file.
  writeFileSync(configFile, JSON.stringify(config, null, 2))
  const child = spawn(
    process.execPath,
    [
      '--conditions=sluice-src',
      '--import',
      'tsx',
      'services/forwarder/src/main.ts',
      '--config',
      configFile,
      ...args,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  const keep = (b: Buffer): void => {
    out = (out + b.toString('utf8')).slice(-65_536)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  process.once('exit', () => child.kill('SIGKILL'))
  return { child, output: () => out, exited }
}

/** Waits until the forwarder's log says it started (it is subscribed then). */
export async function waitStarted(f: ForwarderProcess, timeout = 30_000): Promise<void> {
  await waitFor(() => f.output().includes('service started'), {
    timeout,
    interval: 50,
    message: 'the forwarder to start',
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${f.output()}`)
  })
}
