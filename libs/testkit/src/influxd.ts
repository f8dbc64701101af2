/**
 * @module influxd
 * Starts a real InfluxDB 1.x (Debian's `influxd`) for the forwarder's interop tests, unprivileged: the
 * config comes from `influxd config` with the meta, data and WAL directories moved into a temporary
 * directory, HTTP and the RPC service bound to free ports on 127.0.0.1, usage reporting off, and every
 * other listener (UDP, Graphite, collectd, OpenTSDB) off. Ready when `GET /ping` answers 204.
 * Docs: https://docs.influxdata.com/influxdb/v1/administration/config/
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startContainer } from './containers.js'
import { RequestFailedError } from './errors.js'
import { inTempDir, locateProgram } from './launch.js'
import { freePorts } from './free-port.js'
import { startProcess } from './process.js'
import { disableArraySections, setTomlKey } from './toml.js'

/** Options of {@link startInfluxd}. */
export interface InfluxdOptions {
  /** Path of the influxd binary (default: found by `findProgram`). */
  readonly command?: string
  /** Ready timeout in ms (default 20 000: influxd opens its stores before it listens). */
  readonly timeout?: number
}

/** The JSON `/query` answers with (InfluxDB 1.x). */
export interface InfluxQueryResult {
  readonly results: readonly {
    readonly statement_id?: number
    readonly error?: string
    readonly series?: readonly {
      readonly name: string
      readonly columns: readonly string[]
      readonly values: readonly (readonly unknown[])[]
      readonly tags?: Readonly<Record<string, string>>
    }[]
  }[]
  readonly error?: string
}

/** A running influxd. */
export interface RunningInfluxd {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** Runs InfluxQL through `POST /query` (optionally in `db`); rejects on HTTP or statement errors. */
  query(q: string, db?: string): Promise<InfluxQueryResult>
  /** Writes line protocol through `POST /write?db=…` (precision `ms` by default). */
  write(db: string, lines: string, precision?: 'ns' | 'u' | 'ms' | 's'): Promise<void>
  output(): string
  stop(): Promise<void>
}

const run = promisify(execFile)

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    throw new RequestFailedError(`Request to ${url} failed: ${String(err)}`, { cause: err })
  }
}

function client(url: string): Pick<RunningInfluxd, 'query' | 'write'> {
  return {
    async query(q, db) {
      const body = new URLSearchParams({ q, ...(db === undefined ? {} : { db }) })
      const res = await request(`${url}/query`, { method: 'POST', body })
      const text = await res.text()
      if (!res.ok) {
        throw new RequestFailedError(`influxd /query answered ${res.status} to ${q}: ${text}`)
      }
      const json = JSON.parse(text) as InfluxQueryResult
      const error = json.error ?? json.results.find((r) => r.error !== undefined)?.error
      if (error !== undefined) throw new RequestFailedError(`influxd rejected ${q}: ${error}`)
      return json
    },
    async write(db, lines, precision = 'ms') {
      const params = new URLSearchParams({ db, precision })
      const res = await request(`${url}/write?${params.toString()}`, {
        method: 'POST',
        body: lines,
      })
      if (res.status !== 204) {
        throw new RequestFailedError(`influxd /write answered ${res.status}: ${await res.text()}`)
      }
    },
  }
}

async function pingOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`)
    return res.status === 204
  } catch {
    return false
  }
}

/**
 * Builds the config for an unprivileged influxd from the output of `influxd config`.
 *
 * @example
 * ```ts
 * influxdConfig(defaults, { dir: '/tmp/x', httpPort: 18086, rpcPort: 18088 })
 * ```
 */
export function influxdConfig(
  defaults: string,
  o: { dir: string; httpPort: number; rpcPort: number },
): string {
  let c = defaults
  // Debian's 1.6 prints `reporting-enabled = false`; upstream uses `reporting-disabled = true`.
  c = /^\s*reporting-enabled\s*=/m.test(c)
    ? setTomlKey(c, null, 'reporting-enabled', false)
    : setTomlKey(c, null, 'reporting-disabled', true)
  c = setTomlKey(c, null, 'bind-address', `127.0.0.1:${o.rpcPort}`)
  c = setTomlKey(c, 'meta', 'dir', join(o.dir, 'meta'))
  c = setTomlKey(c, 'data', 'dir', join(o.dir, 'data'))
  c = setTomlKey(c, 'data', 'wal-dir', join(o.dir, 'wal'))
  c = setTomlKey(c, 'data', 'query-log-enabled', false)
  c = setTomlKey(c, 'http', 'bind-address', `127.0.0.1:${o.httpPort}`)
  c = setTomlKey(c, 'http', 'log-enabled', false)
  c = setTomlKey(c, 'http', 'unix-socket-enabled', false)
  c = setTomlKey(c, 'http', 'pprof-enabled', false)
  // Less background work on a shared 2-core machine: no _internal database, no CQ scheduler.
  c = setTomlKey(c, 'monitor', 'store-enabled', false)
  c = setTomlKey(c, 'continuous_queries', 'enabled', false)
  c = setTomlKey(c, 'ifql', 'enabled', false)
  c = setTomlKey(c, 'logging', 'level', 'warn')
  c = setTomlKey(c, 'logging', 'suppress-logo', true)
  return disableArraySections(c)
}

/**
 * Starts influxd and resolves once `/ping` answers 204.
 *
 * @example
 * ```ts
 * const influx = await startInfluxd()
 * await influx.query('CREATE DATABASE sluice')
 * await influx.write('sluice', 'window,sensor=a1/light mean=451.2 1732480005000')
 * const r = await influx.query('SELECT mean FROM "window"', 'sluice')
 * ```
 */
export async function startInfluxd(options: InfluxdOptions = {}): Promise<RunningInfluxd> {
  const program = locateProgram('influxd', options.command)
  if ('image' in program) {
    const c = await startContainer({
      image: program.image,
      containerPort: 8086,
      readyLog: /Listening on HTTP/,
    })
    const url = `http://${c.host}:${c.port}`
    return { url, port: c.port, ...client(url), output: () => '', stop: () => c.stop() }
  }
  const influxd = program.path
  return inTempDir('sluice-influxd-', async (dir) => {
    const { stdout: defaults } = await run(influxd, ['config'], { cwd: dir })
    const [httpPort, rpcPort] = (await freePorts(2)) as [number, number]
    const file = join(dir, 'influxdb.conf')
    await writeFile(file, influxdConfig(defaults, { dir, httpPort, rpcPort }))
    const url = `http://127.0.0.1:${httpPort}`
    const proc = await startProcess(influxd, ['run', '-config', file], {
      name: 'influxd',
      cwd: dir,
      env: { ...process.env, INFLUXDB_CONFIG_PATH: file },
      readyWhen: { probe: () => pingOk(url) },
      timeout: options.timeout ?? 20_000,
    })
    return {
      url,
      port: httpPort,
      ...client(url),
      output: () => proc.output(),
      stop: () => proc.stop(),
    }
  })
}
