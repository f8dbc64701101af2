/**
 * @module broker
 * The embedded Sluice broker: Aedes behind TCP (and optionally WebSocket) listeners, with the security
 * defaults of DESIGN.md §11 (loopback unless told otherwise, credentials elsewhere, scrypt passwords,
 * per-service publish ACL, TLS, payload/connection/rate limits), subscriber isolation (§5: each subscriber
 * has its own bounded outbound queue, so a stalled consumer only costs itself), bounded persistent
 * sessions, and its own metrics and retained status on `{p}/_sys/broker/{instance}/…` (§6).
 */
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import type { IncomingMessage } from 'node:http'
import type { Server, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Aedes, type Client, type PublishPacket } from 'aedes'
import memoryPersistence from 'aedes-persistence'
import { levelPersistence } from './persistence/level-persistence.js'
import { Level } from 'level'
import { metricsTopic, statusTopic, type ServiceStatus } from '@sluice/contract'
import { AEDES_MAJOR, limitPacketSize } from './aedes-internals.js'
import { createPublishCheck, createSubscribeCheck, type Identity } from './auth/acl.js'
import { createAuthenticator, type LoginRefusal } from './auth/authenticate.js'
import { readPasswordFile, type BrokerUser } from './auth/password-file.js'
import { ListenFailedError, NoCredentialsError } from './errors.js'
import { installOutbox, type SubscriberOutbox } from './isolation/subscriber-outbox.js'
import { createConnectionGate } from './limits/connection-gate.js'
import { createLoginThrottle } from './limits/login-throttle.js'
import { createRateLimiter, type RateLimiter } from './limits/rate-limiter.js'
import { closeServer, isLoopbackHost, listen } from './listeners/listen.js'
import { createTcpListener, type TlsMaterial } from './listeners/tcp.js'
import { createWsListener, type WsListener } from './listeners/ws.js'
import type { BrokerMetrics, SubscriberMetrics } from './metrics.js'
import type { HopMetrics } from '@sluice/contract'
import { resolveBrokerOptions, type BrokerOptions } from './options.js'
import { boundSessionStore } from './persistence/bounded-session-store.js'
import { BROKER_VERSION } from './version.js'

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

type PublishCallback = (error?: Error) => void
type RoutePublish = (packet: PublishPacket, client: Client | null, done: PublishCallback) => void

function payloadBytes(payload: PublishPacket['payload']): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length
}

/** The remote address of a connection, IPv4-mapped IPv6 addresses as plain IPv4. */
function remoteAddress(stream: Duplex, req: IncomingMessage | undefined): string {
  const address =
    req?.socket.remoteAddress ?? (stream as Partial<Socket>).remoteAddress ?? 'unknown'
  return address.startsWith('::ffff:') ? address.slice(7) : address
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
  const users = new Map<string, BrokerUser>()
  if (o.passwordFile !== undefined) {
    for (const user of await readPasswordFile(o.passwordFile)) users.set(user.user, user)
  }
  if (requireCredentials && users.size === 0) throw new NoCredentialsError(o.host, o.passwordFile)
  const tls = o.tls === undefined ? undefined : await readTls(o.tls)

  let db: Level<string, Buffer> | undefined
  let persistence: object
  if (o.persistence === undefined) {
    // a CommonJS module whose typings declare an ES default export: the import *is* the factory
    persistence = (memoryPersistence as unknown as () => object)()
  } else {
    db = new Level<string, Buffer>(o.persistence.dir, { valueEncoding: 'buffer' })
    await db.open()
    persistence = levelPersistence(db)
  }

  // Aedes' registry of connected clients, known once Aedes exists (the store is wrapped before).
  const registry: { clients?: Record<string, unknown> } = {}
  const sessions = boundSessionStore(persistence, o.sessionQueueCapacity, (clientId) => {
    return registry.clients?.[clientId] !== undefined
  })

  const outboxes = new Map<Client, SubscriberOutbox>()
  const identities = new WeakMap<Client, Identity>()
  const publishChecks = new WeakMap<Client, (topic: string) => boolean>()
  const subscribeChecks = new WeakMap<Client, (filter: string) => boolean>()
  const addresses = new WeakMap<Duplex, string>()
  const limiters = new WeakMap<Client, RateLimiter>()
  const discarded = new WeakSet<object>()
  const sockets = new Set<Duplex>()
  const gate = createConnectionGate<Duplex>({
    maxConnections: o.maxConnections,
    maxPendingPerAddress: o.maxPendingPerAddress,
    evict: (stream) => stream.destroy(),
  })
  const throttle = createLoginThrottle(o.loginThrottle)
  const closedTotals = { in: 0, out: 0, dropped: 0, deferred: 0 }
  const counts = {
    accepted: 0,
    refusedLimit: 0,
    refused: { auth: 0, throttled: 0, clientId: 0 } satisfies Record<LoginRefusal, number>,
    refusedAddress: 0,
    evicted: 0,
    timedOut: 0,
    oversize: 0,
    messagesIn: 0,
    refusedAcl: 0,
    refusedPayload: 0,
    refusedRead: 0,
    throttled: 0,
  }

  function setIdentity(client: Client, identity: Identity): void {
    gate.loggedIn(client.conn)
    identities.set(client, identity)
    publishChecks.set(client, createPublishCheck(identity, o.prefix))
    subscribeChecks.set(client, createSubscribeCheck(identity, o.prefix))
    if (o.maxMessagesPerSecond > 0) {
      limiters.set(client, createRateLimiter(o.maxMessagesPerSecond, o.maxMessagesPerSecond))
    }
  }

  const aedes = await Aedes.createBroker({
    persistence,
    drainTimeout: o.drainTimeoutMs,
    // Client ids such as `sluice-serial-bridge-<instance>` exceed MQTT 3.1's 23 characters.
    maxClientsIdLength: 256,
    connectTimeout: o.connectTimeoutMs,
    authenticate: createAuthenticator({
      users,
      requireCredentials,
      anonymousRole: o.anonymousRole,
      throttle,
      addressOf: (client) => addresses.get(client.conn) ?? 'unknown',
      accepted: setIdentity,
      refused: (reason) => counts.refused[reason]++,
      log,
    }),
    authorizeSubscribe(client, subscription, callback) {
      // The read ACL (auth/acl READ_RULES): SUBACK 0x80 for a filter that reaches a closed topic.
      const may = client === null ? undefined : subscribeChecks.get(client)
      if (may !== undefined && !may(subscription.topic)) {
        counts.refusedRead++
        if (counts.refusedRead % 100 === 1) {
          log.warn(
            {
              clientId: client?.id,
              filter: subscription.topic,
              role: identities.get(client)?.role,
              refused: counts.refusedRead,
            },
            'subscription refused by the read ACL',
          )
        }
        callback(null, null)
        return
      }
      callback(null, subscription)
    },
    authorizePublish(client, packet, callback) {
      if (packet.topic.startsWith('$SYS')) {
        // Aedes' own default (moscajs/aedes#597): clients must not forge broker announcements.
        callback(new Error('$SYS topic is reserved'))
        return
      }
      if (client === null) {
        callback(null)
        return
      }
      // [MQTT-3.3.5-2]: an unauthorised PUBLISH is either acknowledged as usual or the connection is
      // closed. We acknowledge and discard it (counted), so a misconfigured service does not fall into
      // a reconnect loop; Aedes' route step skips packets marked here.
      if (payloadBytes(packet.payload) > o.maxPayloadBytes) {
        counts.refusedPayload++
        discarded.add(packet)
        callback(null)
        return
      }
      const may = publishChecks.get(client)
      if (may !== undefined && !may(packet.topic)) {
        counts.refusedAcl++
        discarded.add(packet)
        if (counts.refusedAcl % 1000 === 1) {
          log.warn(
            {
              clientId: client.id,
              topic: packet.topic,
              role: identities.get(client)?.role,
              refused: counts.refusedAcl,
            },
            'publish outside the client ACL discarded',
          )
        }
        callback(null)
        return
      }
      const delay = limiters.get(client)?.take(performance.now()) ?? 0
      if (delay > 0) {
        counts.throttled++
        setTimeout(callback, delay, null)
        return
      }
      callback(null)
    },
  })

  registry.clients = (aedes as unknown as { clients: Record<string, unknown> }).clients
  const aedesVersion = (aedes as unknown as { version: string }).version
  if (Number(aedesVersion.split('.')[0]) !== AEDES_MAJOR) {
    log.warn(
      { aedes: aedesVersion },
      'Aedes major version differs from the one subscriber isolation was written for',
    )
  }

  // Route step: skip what authorizePublish marked as discarded (see there).
  const route = (aedes.publish as unknown as RoutePublish).bind(aedes)
  const routeOrDiscard = (
    packet: PublishPacket,
    client: Client | null | PublishCallback,
    done?: PublishCallback,
  ) => {
    const cb = typeof client === 'function' ? client : (done ?? (() => undefined))
    const from = typeof client === 'function' ? null : client
    if (discarded.has(packet)) {
      setImmediate(cb)
      return
    }
    route(packet, from, cb)
  }
  ;(aedes as unknown as { publish: typeof routeOrDiscard }).publish = routeOrDiscard

  aedes.on('publish', (_packet, client) => {
    if (client !== null) counts.messagesIn++
  })
  aedes.on('clientError', (client, err) => {
    log.debug({ clientId: client.id, err }, 'client error')
  })
  aedes.on('connectionError', (_client, err) => {
    // Aedes' connect deadline (lib/client.js): a socket that never sent CONNECT
    if (err.message === 'connect did not arrive in time') counts.timedOut++
    log.debug({ err }, 'connection error')
  })

  function finishClient(client: Client): void {
    const outbox = outboxes.get(client)
    if (outbox === undefined) return
    outbox.close()
    const c = outbox.counters()
    closedTotals.in += c.in
    closedTotals.out += c.out
    closedTotals.dropped += c.dropped
    closedTotals.deferred += c.deferred
    outboxes.delete(client)
    if (typeof client.id === 'string') sessions.forgetRefusals(client.id)
  }

  const broker = aedes
  function accept(stream: Duplex, req?: IncomingMessage): void {
    const address = remoteAddress(stream, req)
    const admission = gate.admit(stream, address)
    if (!admission.admitted) {
      if (admission.reason === 'limit') counts.refusedLimit++
      else counts.refusedAddress++
      stream.destroy()
      return
    }
    counts.evicted += admission.evicted
    counts.accepted++
    sockets.add(stream)
    addresses.set(stream, address)
    const client = broker.handle(stream, req)
    limitPacketSize(client, o.maxPacketBytes, (cmd, length) => {
      counts.oversize++
      log.warn(
        { address, clientId: client.id, cmd, length, maxPacketBytes: o.maxPacketBytes },
        'connection closed: packet over the size limit',
      )
    })
    // The outbox goes in before the client can subscribe: subscriptions capture the delivery functions.
    outboxes.set(
      client,
      installOutbox(client, {
        capacity: o.subscriberQueue.capacity,
        policy: o.subscriberQueue.policy,
        refusedBySession: (clientId, packet) => sessions.refused(clientId, packet),
      }),
    )
    stream.once('close', () => {
      sockets.delete(stream)
      gate.closed(stream)
      finishClient(client)
    })
  }

  const servers: Server[] = []
  // Set once listening; shutdown() (also on a failed listen) closes it if there is one.
  let prometheus: { close(): Promise<void> } | undefined = undefined
  let ws: WsListener | undefined
  let tcpPort: number
  let wsPort: number | undefined
  try {
    const tcp = createTcpListener(accept, tls, o.connectTimeoutMs)
    servers.push(tcp)
    tcpPort = await listen(tcp, o.host, o.port, 'MQTT listener')
    if (o.wsPort !== undefined) {
      ws = createWsListener(accept, {
        tls,
        maxPacketBytes: o.maxPacketBytes,
        connectTimeoutMs: o.connectTimeoutMs,
      })
      servers.push(ws.server)
      wsPort = await listen(ws.server, o.host, o.wsPort, 'MQTT WebSocket listener')
    }
  } catch (err) {
    await shutdown()
    throw err
  }

  function metrics(): BrokerMetrics {
    const subscribers: SubscriberMetrics[] = []
    const hops: Record<string, HopMetrics> = {}
    const totals = { ...closedTotals }
    const now = Date.now()
    for (const [client, outbox] of outboxes) {
      const c = outbox.counters()
      totals.in += c.in
      totals.out += c.out
      totals.dropped += c.dropped
      totals.deferred += c.deferred
      if (c.in === 0) continue
      hops[`out:${outbox.clientId}`] = outbox.hopMetrics(now)
      subscribers.push({
        clientId: outbox.clientId,
        role: identities.get(client)?.role ?? 'unknown',
        policy: outbox.policy,
        capacity: outbox.capacity,
        queued: c.queued,
        in: c.in,
        out: c.out,
        dropped: c.dropped,
        deferred: c.deferred,
        inflight: c.inflight,
      })
    }
    return {
      service: 'broker',
      instance: o.instance,
      t: now,
      uptimeMs: now - startedAt,
      clients: broker.connectedClients,
      connections: {
        open: gate.open,
        accepted: counts.accepted,
        pending: gate.pending,
        refused: {
          limit: counts.refusedLimit,
          ...counts.refused,
          address: counts.refusedAddress,
          evicted: counts.evicted,
          timeout: counts.timedOut,
          oversize: counts.oversize,
        },
      },
      messages: {
        in: counts.messagesIn,
        out: totals.out,
        dropped: totals.dropped + sessions.droppedTotal,
        deferred: totals.deferred,
        refused: { acl: counts.refusedAcl, payload: counts.refusedPayload },
        subscriptionsRefused: counts.refusedRead,
        throttled: counts.throttled,
      },
      subscribers,
      sessions: sessions.counters(),
      hops,
    }
  }

  function publishInternal(topic: string, payload: unknown, retain: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      broker.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(JSON.stringify(payload)),
          qos: 0,
          retain,
          dup: false,
        },
        (err) => {
          if (err !== undefined && err !== null) log.warn({ err, topic }, 'internal publish failed')
          resolve()
        },
      )
    })
  }

  const sinceOnline = Date.now()
  function status(state: 'online' | 'offline'): ServiceStatus {
    return {
      state,
      version: BROKER_VERSION,
      host: hostname(),
      since: state === 'online' ? sinceOnline : Date.now(),
      service: 'broker',
      instance: o.instance,
      pid: process.pid,
    }
  }
  const statusTopicName = statusTopic(o.prefix, 'broker', o.instance)
  const metricsTopicName = metricsTopic(o.prefix, 'broker', o.instance)
  await publishInternal(statusTopicName, status('online'), true)
  // GET /metrics (mesh's prometheus.ts) shows each metrics message's hops, so the two agree.
  // Imported only when asked for: the broker alone does not load the service runtime.
  const exporter =
    o.prometheus === undefined
      ? undefined
      : await (await import('@sluice/mesh')).startPrometheusExporter(o.prometheus)
  prometheus = exporter
  const metricsTimer =
    o.metricsIntervalMs > 0
      ? setInterval(() => {
          const m = metrics()
          exporter?.update({ service: 'broker', instance: o.instance, t: m.t, hops: m.hops })
          void publishInternal(metricsTopicName, m, false)
        }, o.metricsIntervalMs)
      : undefined
  metricsTimer?.unref()

  const scheme = tls === undefined ? '' : 's'
  log.info(
    { host: o.host, tcpPort, wsPort, credentialsRequired: requireCredentials },
    'broker listening',
  )

  let closing: Promise<void> | undefined
  async function shutdown(): Promise<void> {
    const closed = servers.map((server) => closeServer(server))
    await prometheus?.close()
    ws?.wss.close()
    await new Promise<void>((resolve) => {
      broker.close(() => {
        resolve()
      })
    })
    for (const socket of sockets) socket.destroy()
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
        if (metricsTimer !== undefined) clearInterval(metricsTimer)
        await publishInternal(statusTopicName, status('offline'), true)
        await shutdown()
        log.info({}, 'broker closed')
      })()
      return closing
    },
  }
}
