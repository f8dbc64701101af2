/**
 * @module nats
 * Starts real nats-server processes for the NATS engine's tests (DESIGN.md §12, issue 14): one server, or
 * a JetStream cluster of n nodes routed to each other on loopback. Each node gets free ports (client,
 * HTTP monitoring, route, and optionally its MQTT listener), a config file written by the contract's
 * `natsServerConfig`, and a JetStream store in a temporary directory. A node counts as ready only once
 * JetStream runs (`/healthz?js-enabled-only=true`) and, in a cluster, the node knows the meta group's
 * leader (`/jsz`); a cluster also waits until every node has a route to every other. Every
 * process is killed on `stop()` and when the test process exits; the store directories are removed.
 * Docs: https://docs.nats.io/running-a-nats-service/nats_admin/monitoring
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { natsServerConfig, type NatsServerConfigOptions } from '@sluice/contract'
import { StartFailedError } from './errors.js'
import { locateProgram } from './launch.js'
import { freePorts } from './free-port.js'
import { canConnect, startProcess, type RunningProcess } from './process.js'
import { tempDir, type TempDir } from './temp-dir.js'
import { waitFor } from './wait-for.js'

/** Options of {@link startNatsServer} and {@link startNatsCluster}. */
export interface NatsServerOptions {
  /** Open the MQTT 3.1.1 listener too (default false); its URL is then `mqttUrl`. */
  readonly mqtt?: boolean
  /** Client and MQTT login (default: none, anonymous). */
  readonly authorization?: NatsServerConfigOptions['authorization']
  /** Path of the nats-server binary (default: found by `findProgram`). */
  readonly command?: string
  /** Ready timeout in ms, per start (default 10 000). */
  readonly timeout?: number
}

/** A running nats-server (one node, alone or in a cluster). */
export interface RunningNatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly port: number
  /** `mqtt://127.0.0.1:<port>` of the MQTT listener, when `mqtt: true`. */
  readonly mqttUrl?: string
  readonly mqttPort?: number
  /** `http://127.0.0.1:<port>` of the monitoring endpoints (`/varz`, `/jsz`, `/routez`, `/healthz`). */
  readonly monitorUrl: string
  /** Its `server_name`. */
  readonly name: string
  /** The JetStream store directory (kept across `kill()` and `restart()`, removed by `stop()`). */
  readonly storeDir: string
  /** The generated config, for debugging. */
  readonly config: string
  /** Its current process id, while it runs. */
  readonly pid: number | undefined
  /** Its log so far, since the last (re)start. */
  output(): string
  /** GET a monitoring endpoint (`/jsz`, `/routez`, …) and parse its JSON. */
  monitor<T = Record<string, unknown>>(path: string): Promise<T>
  /** Stops it gracefully (SIGTERM, then SIGKILL) and removes its store. Safe to call twice. */
  stop(): Promise<void>
  /** Ends it with SIGKILL, as a crash; the store stays for {@link RunningNatsServer.restart}. */
  kill(): Promise<void>
  /** Starts it again (stopping it first if it runs) on the same ports with the same store; ready as at start. */
  restart(): Promise<void>
}

/** A running cluster of nats-server nodes with JetStream. */
export interface RunningNatsCluster {
  /** Each node's `nats://127.0.0.1:<port>`, in node order. */
  readonly urls: readonly string[]
  readonly nodes: readonly RunningNatsServer[]
  /** Stops every node and removes every store. */
  stop(): Promise<void>
}

interface NodePorts {
  readonly port: number
  readonly httpPort: number
  readonly mqttPort?: number
  readonly clusterPort?: number
}

/** The ports of `n` nodes, every one distinct. */
async function nodePorts(mqtt: boolean, cluster: boolean, n = 1): Promise<NodePorts[]> {
  const free = await freePorts(n * (2 + (mqtt ? 1 : 0) + (cluster ? 1 : 0)))
  const next = (): number => free.shift()!
  return Array.from({ length: n }, () => ({
    port: next(),
    httpPort: next(),
    ...(mqtt ? { mqttPort: next() } : {}),
    ...(cluster ? { clusterPort: next() } : {}),
  }))
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
  const body = await res.text()
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${body.trim()}`)
  return JSON.parse(body) as T
}

/**
 * True once JetStream runs here (`/healthz?js-enabled-only=true` answers 200) and, in a cluster, this node
 * has a route to each of its `peers` (`/routez`) and knows the meta group's leader (`/jsz`). Not the
 * full `/healthz`: on a node restarted in a cluster it stays 503 for as long as any consumer (an MQTT
 * session's, say) has not caught up, which is what a failover test wants to watch, not wait out.
 */
async function healthy(monitorUrl: string, peers: number): Promise<boolean> {
  await getJson(`${monitorUrl}/healthz?js-enabled-only=true`)
  if (peers === 0) return true
  const routez = await getJson<{ num_routes: number }>(`${monitorUrl}/routez`)
  if (routez.num_routes < peers) return false
  const jsz = await getJson<{ meta_cluster?: { leader?: string } }>(`${monitorUrl}/jsz`)
  return (jsz.meta_cluster?.leader ?? '') !== ''
}

/** Starts one node in `store` (its own temp dir) with a config written there. */
async function startNode(
  program: string,
  name: string,
  ports: NodePorts,
  store: TempDir,
  options: NatsServerOptions,
  cluster?: { readonly name: string; readonly routes: readonly number[] },
): Promise<RunningNatsServer> {
  const host = '127.0.0.1'
  const storeDir = join(store.path, 'store')
  const config = natsServerConfig({
    serverName: name,
    host,
    port: ports.port,
    httpPort: ports.httpPort,
    jetstream: { storeDir },
    ...(ports.mqttPort === undefined ? {} : { mqtt: { port: ports.mqttPort } }),
    ...(cluster === undefined || ports.clusterPort === undefined
      ? {}
      : {
          cluster: {
            name: cluster.name,
            port: ports.clusterPort,
            routes: cluster.routes.map((p) => `${host}:${p}`),
          },
        }),
    ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
  })
  const file = join(store.path, 'nats-server.conf')
  await writeFile(file, config)
  const monitorUrl = `http://${host}:${ports.httpPort}`
  const timeout = options.timeout ?? 10_000
  let proc: RunningProcess | undefined
  let stopped = false

  const launch = async (): Promise<void> => {
    proc = await startProcess(program, ['-c', file], {
      name: `nats-server ${name}`,
      cwd: store.path,
      // "Server is ready" comes once every listener is open; JetStream's health is awaited apart.
      readyWhen: /Server is ready/,
      timeout,
    })
    const running = proc
    try {
      const peers = cluster === undefined ? 0 : cluster.routes.length - 1
      await waitFor(() => healthy(monitorUrl, peers), {
        timeout,
        interval: 50,
        message: `nats-server ${name} to run JetStream${peers === 0 ? '' : `, with ${peers} routes and a meta leader`}`,
      })
      if (ports.mqttPort !== undefined) {
        const mqttPort = ports.mqttPort
        await waitFor(() => canConnect(mqttPort), {
          timeout,
          message: `nats-server ${name}'s MQTT listener on ${host}:${mqttPort}`,
        })
      }
    } catch (err) {
      await running.stop(500)
      throw new StartFailedError(
        `nats-server ${name} started but did not become ready: ${(err as Error).message}\n` +
          `Output:\n${running.output().trim().slice(-2000)}`,
        { cause: err },
      )
    }
  }
  const halt = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const running = proc
    if (running === undefined) return
    proc = undefined
    if (signal === 'SIGKILL') {
      running.child.kill('SIGKILL')
      await running.exited
    } else await running.stop()
  }

  await launch()
  return {
    url: `nats://${host}:${ports.port}`,
    host,
    port: ports.port,
    ...(ports.mqttPort === undefined
      ? {}
      : { mqttUrl: `mqtt://${host}:${ports.mqttPort}`, mqttPort: ports.mqttPort }),
    monitorUrl,
    name,
    storeDir,
    config,
    get pid() {
      return proc?.pid
    },
    output: () => proc?.output() ?? '',
    monitor: <T>(path: string) => getJson<T>(`${monitorUrl}${path}`),
    async stop() {
      stopped = true
      await halt('SIGTERM')
      await store.remove()
    },
    kill: () => halt('SIGKILL'),
    async restart() {
      if (stopped) throw new StartFailedError(`nats-server ${name} was stopped; start a new one`)
      await halt('SIGTERM')
      await launch()
    },
  }
}

/**
 * Starts one nats-server with JetStream on free ports on 127.0.0.1 (and its MQTT listener with
 * `mqtt: true`); resolves once JetStream runs (and the MQTT listener accepts). Rejects with `StartFailedError` when nats-server
 * is not installed: check `findProgram('nats-server')` first to skip.
 *
 * @example
 * ```ts
 * const nats = findProgram('nats-server')
 * describe.skipIf(!nats.available)('over NATS', () => {
 *   let server: RunningNatsServer
 *   beforeAll(async () => (server = await startNatsServer({ mqtt: true })))
 *   afterAll(() => server.stop())
 *   it('…', async () => { await server.kill(); await server.restart() })
 * })
 * ```
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const program = locateProgram('nats-server', options.command)
  if (!('path' in program))
    throw new StartFailedError('nats-server runs only as a local program here, not in a container')
  const [ports] = await nodePorts(options.mqtt === true, false)
  const store = await tempDir('sluice-nats-')
  try {
    return await startNode(program.path, 'sluice-nats', ports!, store, options)
  } catch (err) {
    await store.remove()
    throw err
  }
}

/**
 * Starts `n` nats-server nodes with JetStream (`sluice-nats-1` … `-n`), each routed to every other on
 * loopback in one cluster, so streams can have up to n replicas; resolves once every node has n − 1 routes
 * and knows the JetStream meta group's leader. Stops what it started if
 * any node fails.
 *
 * @example
 * ```ts
 * const cluster = await startNatsCluster(3)
 * afterAll(() => cluster.stop())
 * await cluster.nodes[0]!.kill() // a crash; the other two keep the R3 streams
 * ```
 */
export async function startNatsCluster(
  n = 3,
  options: NatsServerOptions = {},
): Promise<RunningNatsCluster> {
  if (!Number.isInteger(n) || n < 1)
    throw new StartFailedError(`a cluster needs a whole number of nodes ≥ 1 (got ${n})`)
  const program = locateProgram('nats-server', options.command)
  if (!('path' in program))
    throw new StartFailedError('nats-server runs only as a local program here, not in a container')
  const ports = await nodePorts(options.mqtt === true, true, n)
  const routes = ports.map((p) => p.clusterPort!)
  const name = 'sluice-test'
  const stores: TempDir[] = []
  for (let i = 0; i < n; i++) stores.push(await tempDir('sluice-nats-cluster-'))
  // Every node at once: a JetStream node waits for its peers before its meta group can elect a leader.
  const started = await Promise.allSettled(
    ports.map((p, i) =>
      startNode(program.path, `sluice-nats-${i + 1}`, p, stores[i]!, options, { name, routes }),
    ),
  )
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()))
    await Promise.all(stores.map((s) => s.remove()))
  }
  const failed = started.find((s) => s.status === 'rejected')
  if (failed !== undefined) {
    await stop()
    throw failed.reason
  }
  return { urls: nodes.map((node) => node.url), nodes, stop }
}
