/**
 * @module broker
 * The embedded Sluice broker: Aedes behind TCP (and optionally WebSocket) listeners, with the security
 * defaults of DESIGN.md §11 (loopback unless told otherwise, credentials elsewhere, scrypt passwords,
 * per-service publish ACL, TLS, payload/connection/rate limits), subscriber isolation (§5: each subscriber
 * has its own bounded outbound queue, so a stalled consumer only costs itself), bounded persistent
 * sessions, and its own metrics and retained status on `{p}/_sys/broker/{instance}/…` (§6).
 *
 * `startBroker` composes the parts: `auth/authenticate` (CONNECT), `auth/authorize` (SUBSCRIBE and
 * PUBLISH), `routing` (discards), `connections` (gate, packet limit, outboxes), `metrics` and `announce`.
 */
import { readFile } from 'node:fs/promises'
import type { Server } from 'node:net'
import { Aedes } from 'aedes'
import memoryPersistence from 'aedes-persistence'
import { Level } from 'level'
import { AEDES_MAJOR, aedesVersion, isClientConnected, routerMatcher } from './aedes-internals.js'
import { createAnnouncer } from './announce.js'
import { createAuthenticator, type LoginRefusal } from './auth/authenticate.js'
import { createAuthorizer } from './auth/authorize.js'
import { readPasswordFile, type BrokerUser } from './auth/password-file.js'
import { createConnections, type Connections } from './connections.js'
import { ListenFailedError, NoCredentialsError } from './errors.js'
import { createLoginThrottle } from './limits/login-throttle.js'
import { closeServer, isLoopbackHost, listen } from './listeners/listen.js'
import { createTcpListener, type TlsMaterial } from './listeners/tcp.js'
import { createWsListener, type WsListener } from './listeners/ws.js'
import { createMetricsCollector, type BrokerMetrics } from './metrics.js'
import {
  resolveBrokerOptions,
  type BrokerLogger,
  type BrokerOptions,
  type ResolvedBrokerOptions,
} from './options.js'
import { boundSessionStore } from './persistence/bounded-session-store.js'
import { levelPersistence } from './persistence/level-persistence.js'
import { cacheRouterMatches, cacheTopicMatches } from './topic-match-cache.js'
import { routeSkippingDiscarded } from './routing.js'

/** A running broker. */
export interface RunningBroker {
  /** The bound MQTT TCP port (the real one when 0 was asked). */
  readonly tcpPort: number
  /** The bound WebSocket port, when a WebSocket listener was asked for. */
  readonly wsPort: number | undefined
  /** `mqtt://host:port` (or `mqtts://`) to give clients. */
  readonly url: string
  /** `ws://host:port/mqtt` (or `wss://`), when a WebSocket listener runs. */
  readonly wsUrl: string | undefined
  /** A snapshot of the broker's counters. */
  metrics(): BrokerMetrics
  /** Publishes the offline status, disconnects everyone, closes the listeners and the persistence. */
  close(): Promise<void>
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

async function readTls(tls: { keyFile: string; certFile: string }): Promise<TlsMaterial> {
  try {
    const [key, cert] = await Promise.all([readFile(tls.keyFile), readFile(tls.certFile)])
    return { key, cert }
  } catch (cause) {
    throw new ListenFailedError(
      `cannot read the TLS key (${tls.keyFile}) or certificate (${tls.certFile}); check the paths ` +
        `and permissions`,
      { cause },
    )
  }
}

/** The broker's users by name, from the password file (none without one). */
async function loadUsers(passwordFile: string | undefined): Promise<Map<string, BrokerUser>> {
  const users = new Map<string, BrokerUser>()
  if (passwordFile !== undefined) {
    for (const user of await readPasswordFile(passwordFile)) users.set(user.user, user)
  }
  return users
}

/** Aedes' persistence: in memory, or in LevelDB under `persistence.dir` (then `db` is set). */
async function openPersistence(
  o: ResolvedBrokerOptions,
): Promise<{ persistence: object; db: Level<string, Buffer> | undefined }> {
  if (o.persistence === undefined) {
    // a CommonJS module whose typings declare an ES default export: the import *is* the factory
    return { persistence: (memoryPersistence as unknown as () => object)(), db: undefined }
  }
  const db = new Level<string, Buffer>(o.persistence.dir, { valueEncoding: 'buffer' })
  await db.open()
  return { persistence: levelPersistence(db), db }
}

/** The listeners a broker runs, filled in as they start (so a failed start closes what is open). */
interface Listeners {
  readonly servers: Server[]
  ws: WsListener | undefined
}

/** Starts the MQTT TCP listener and, when asked for, the WebSocket one; resolves with their ports. */
async function startListeners(
  listeners: Listeners,
  accept: Connections['accept'],
  o: ResolvedBrokerOptions,
  tls: TlsMaterial | undefined,
): Promise<{ tcpPort: number; wsPort: number | undefined }> {
  const tcp = createTcpListener(accept, tls, o.connectTimeoutMs)
  listeners.servers.push(tcp)
  const tcpPort = await listen(tcp, o.host, o.port, 'MQTT listener')
  if (o.wsPort === undefined) return { tcpPort, wsPort: undefined }
  const ws = createWsListener(accept, {
    tls,
    maxPacketBytes: o.maxPacketBytes,
    connectTimeoutMs: o.connectTimeoutMs,
  })
  listeners.ws = ws
  listeners.servers.push(ws.server)
  const wsPort = await listen(ws.server, o.host, o.wsPort, 'MQTT WebSocket listener')
  return { tcpPort, wsPort }
}

/**
 * Offers the MQTT port to clients of this process without a socket when asked to (plain MQTT, on a host
 * a loopback client reaches); returns the unregistering function. Services reach it through the same
 * `mqtt://127.0.0.1:<port>` URL they would use over TCP.
 */
async function registerInProcess(
  o: ResolvedBrokerOptions,
  tcpPort: number,
  tls: TlsMaterial | undefined,
  connections: Connections,
): Promise<(() => void) | undefined> {
  const reachable = isLoopbackHost(o.host) || o.host === '0.0.0.0' || o.host === '::'
  if (!o.inProcessClients || tls !== undefined || !reachable) return undefined
  // Imported only here, as for Prometheus: a broker alone does not load the service runtime.
  const { registerLocalBroker } = await import('@sluice/mesh')
  return registerLocalBroker(tcpPort, connections.acceptLocal)
}

/** Warns when Aedes' major version is not the one whose internals subscriber isolation patches. */
function warnOnAedesMajor(aedes: Aedes, log: BrokerLogger): void {
  if (Number(aedesVersion(aedes).split('.')[0]) === AEDES_MAJOR) return
  log.warn(
    { aedes: aedesVersion(aedes) },
    'Aedes major version differs from the one subscriber isolation was written for',
  )
}

/**
 * Starts the broker and resolves once every listener is up.
 *
 * @example
 * ```ts
 * const broker = await startBroker({ port: 0, wsPort: 0 })
 * const client = mqtt.connect(broker.url, { clientId: 'sluice-windowing-w1' })
 * // …
 * await broker.close()
 * ```
 */
export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const o = resolveBrokerOptions(options)
  const log = o.logger
  const startedAt = Date.now()
  const requireCredentials = !isLoopbackHost(o.host) && !o.allowAnonymous
  const users = await loadUsers(o.passwordFile)
  if (requireCredentials && users.size === 0) throw new NoCredentialsError(o.host, o.passwordFile)
  const tls = o.tls === undefined ? undefined : await readTls(o.tls)
  const { persistence, db } = await openPersistence(o)
  cacheTopicMatches(persistence)

  // The session store is wrapped before Aedes exists; it asks Aedes whether a client is connected.
  const created: { aedes?: Aedes } = {}
  const sessions = boundSessionStore(
    persistence,
    o.sessionQueueCapacity,
    (clientId) => created.aedes !== undefined && isClientConnected(created.aedes, clientId),
    { startsEmpty: db === undefined },
  )
  const connections = createConnections({ ...o, sessions, log })
  const authorizer = createAuthorizer({ ...o, log })
  const loginRefusals: Record<LoginRefusal, number> = { auth: 0, throttled: 0, clientId: 0 }
  const broker = await Aedes.createBroker({
    persistence,
    drainTimeout: o.drainTimeoutMs,
    // Client ids such as `sluice-serial-bridge-<instance>` exceed MQTT 3.1's 23 characters.
    maxClientsIdLength: 256,
    connectTimeout: o.connectTimeoutMs,
    authenticate: createAuthenticator({
      users,
      requireCredentials,
      anonymousRole: o.anonymousRole,
      throttle: createLoginThrottle(o.loginThrottle),
      addressOf: connections.addressOf,
      accepted: (client, identity) => {
        connections.loggedIn(client)
        authorizer.admit(client, identity)
      },
      refused: (reason) => loginRefusals[reason]++,
      log,
    }),
    authorizeSubscribe: authorizer.authorizeSubscribe,
    authorizePublish: authorizer.authorizePublish,
  })
  created.aedes = broker
  warnOnAedesMajor(broker, log)
  cacheRouterMatches(routerMatcher(broker))
  routeSkippingDiscarded(broker, authorizer.isDiscarded)
  connections.attach(broker)
  const metrics = createMetricsCollector({
    instance: o.instance,
    startedAt,
    aedes: broker,
    connections,
    authorizer,
    sessions,
    loginRefusals: () => ({ ...loginRefusals }),
  })

  const listeners: Listeners = { servers: [], ws: undefined }
  // Set once listening; shutdown() (also on a failed listen) closes it if there is one.
  let prometheus: { close(): Promise<void> } | undefined = undefined
  let ports: { tcpPort: number; wsPort: number | undefined }
  // Filled in once listening; shutdown() (also on a failed listen) unregisters it if there is one.
  const local: { unregister?: (() => void) | undefined } = {}
  try {
    ports = await startListeners(listeners, connections.accept, o, tls)
  } catch (err) {
    await shutdown()
    throw err
  }
  const { tcpPort, wsPort } = ports
  local.unregister = await registerInProcess(o, tcpPort, tls, connections)

  const announce = createAnnouncer(broker, { ...o, log })
  await announce.online()
  // GET /metrics (mesh's prometheus.ts) shows each metrics message's hops, so the two agree.
  // Imported only when asked for: the broker alone does not load the service runtime.
  const exporter =
    o.prometheus === undefined
      ? undefined
      : await (await import('@sluice/mesh')).startPrometheusExporter(o.prometheus)
  prometheus = exporter
  announce.startMetrics(metrics, exporter)

  const scheme = tls === undefined ? '' : 's'
  log.info(
    { host: o.host, tcpPort, wsPort, credentialsRequired: requireCredentials },
    'broker listening',
  )

  let closing: Promise<void> | undefined
  async function shutdown(): Promise<void> {
    local.unregister?.()
    const closed = listeners.servers.map((server) => closeServer(server))
    await prometheus?.close()
    listeners.ws?.wss.close()
    await new Promise<void>((resolve) => {
      broker.close(() => {
        resolve()
      })
    })
    connections.destroyAll()
    await Promise.all(closed)
    const p = persistence as { destroy?: () => Promise<void> | undefined }
    if (db !== undefined && typeof p.destroy === 'function') await p.destroy()
  }

  return {
    tcpPort,
    wsPort,
    url: `mqtt${scheme}://${urlHost(o.host)}:${tcpPort}`,
    wsUrl: wsPort === undefined ? undefined : `ws${scheme}://${urlHost(o.host)}:${wsPort}/mqtt`,
    metrics,
    close() {
      closing ??= (async () => {
        await announce.offline()
        await shutdown()
        log.info({}, 'broker closed')
      })()
      return closing
    },
  }
}
