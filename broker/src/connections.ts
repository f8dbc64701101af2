/**
 * @module connections
 * What happens to a connection from the listener until it closes: the connection gate admits it (or
 * refuses it, or evicts an older pending one, DESIGN.md §11), Aedes takes it over, the packet-size limit
 * goes on its parser, and — before the client can subscribe — its own bounded outbox (§5). When it closes
 * its outbox is drained and its counters are kept in the totals, so the broker's counters never go back.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Aedes, Client } from 'aedes'
import type { QueuePolicy } from '@sluice/stream'
import { limitPacketSize } from './aedes-internals.js'
import { installOutbox, type SubscriberOutbox } from './isolation/subscriber-outbox.js'
import { createLocalLink } from './local-link.js'
import { createConnectionGate } from './limits/connection-gate.js'
import type { BrokerLogger } from './options.js'
import type { BoundedSessionStore } from './persistence/bounded-session-store.js'

/** What {@link createConnections} needs. */
export interface ConnectionsOptions {
  readonly maxConnections: number
  readonly maxPendingPerAddress: number
  readonly maxPacketBytes: number
  readonly subscriberQueue: { readonly capacity: number; readonly policy: QueuePolicy }
  readonly sessions: BoundedSessionStore
  readonly log: BrokerLogger
}

/** Connection counters, totals since start. */
export interface ConnectionCounts {
  readonly accepted: number
  /** Refused: every slot was taken by a logged-in client. */
  readonly limit: number
  /** Refused: too many pending connections from one address. */
  readonly address: number
  /** Closed before logging in, to make room for a newcomer. */
  readonly evicted: number
  /** Closed because CONNECT did not arrive in time. */
  readonly timeout: number
  /** Closed because a packet announced more than `maxPacketBytes`. */
  readonly oversize: number
}

/** The counters of the outboxes of clients that went away. */
export interface ClosedOutboxTotals {
  readonly in: number
  readonly out: number
  readonly dropped: number
  readonly deferred: number
}

/** The broker's connections. */
export interface Connections {
  /**
   * Hands the connections to Aedes, once it exists (its authenticator, created first, already asks for
   * addresses). Call it before any listener runs.
   */
  attach(aedes: Aedes): void
  /** Takes a new connection from a listener (the request of a WebSocket upgrade, if any). */
  readonly accept: (stream: Duplex, req?: IncomingMessage) => void
  /**
   * Opens a connection from this very process (issue 16: `sluice up`'s services, through the mesh's
   * `registerLocalBroker`) as an in-memory stream pair, and returns the client's end. The broker sees it
   * as a connection from loopback, as the same client over a loopback socket would be.
   */
  readonly acceptLocal: () => Duplex
  /** The client logged in: its connection is no longer pending. */
  loggedIn(client: Client): void
  /** The remote address of a client's connection. */
  readonly addressOf: (client: Client) => string
  /** The outbox of every connected client. */
  readonly outboxes: ReadonlyMap<Client, SubscriberOutbox>
  closedTotals(): ClosedOutboxTotals
  counts(): ConnectionCounts
  readonly open: number
  readonly pending: number
  /** Destroys every socket still open (at shutdown, after Aedes closed). */
  destroyAll(): void
}

/** The address of a connection from this process: it has loopback's trust, and counts with it. */
const LOCAL_ADDRESS = '127.0.0.1'

/** The remote address of a connection, IPv4-mapped IPv6 addresses as plain IPv4. */
function remoteAddress(stream: Duplex, req: IncomingMessage | undefined): string {
  const address =
    req?.socket.remoteAddress ?? (stream as Partial<Socket>).remoteAddress ?? 'unknown'
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

/**
 * Creates the connection handling of a broker.
 *
 * @example
 * ```ts
 * const connections = createConnections(options)
 * connections.attach(await Aedes.createBroker({ authenticate }))
 * const tcp = createTcpListener(connections.accept, tls, connectTimeoutMs)
 * ```
 */
export function createConnections(o: ConnectionsOptions): Connections {
  const log = o.log
  const outboxes = new Map<Client, SubscriberOutbox>()
  const addresses = new WeakMap<Duplex, string>()
  const sockets = new Set<Duplex>()
  const gate = createConnectionGate<Duplex>({
    maxConnections: o.maxConnections,
    maxPendingPerAddress: o.maxPendingPerAddress,
    evict: (stream) => stream.destroy(),
  })
  const closed = { in: 0, out: 0, dropped: 0, deferred: 0 }
  const counts = { accepted: 0, limit: 0, address: 0, evicted: 0, timeout: 0, oversize: 0 }
  let aedes: Aedes | undefined

  function attach(broker: Aedes): void {
    aedes = broker
    broker.on('clientError', (client, err) => {
      log.debug({ clientId: client.id, err }, 'client error')
    })
    broker.on('connectionError', (_client, err) => {
      // Aedes' connect deadline (lib/client.js): a socket that never sent CONNECT
      if (err.message === 'connect did not arrive in time') counts.timeout++
      log.debug({ err }, 'connection error')
    })
  }

  function finishClient(client: Client): void {
    const outbox = outboxes.get(client)
    if (outbox === undefined) return
    outbox.close()
    const c = outbox.counters()
    closed.in += c.in
    closed.out += c.out
    closed.dropped += c.dropped
    closed.deferred += c.deferred
    outboxes.delete(client)
    if (typeof client.id === 'string') o.sessions.forgetRefusals(client.id)
  }

  function accept(stream: Duplex, req?: IncomingMessage): void {
    acceptFrom(stream, remoteAddress(stream, req), req)
  }

  function acceptLocal(): Duplex {
    const [client, server] = createLocalLink()
    acceptFrom(server, LOCAL_ADDRESS)
    return client
  }

  function acceptFrom(stream: Duplex, address: string, req?: IncomingMessage): void {
    if (aedes === undefined) throw new Error('connections.attach(aedes) must come before accept')
    const admission = gate.admit(stream, address)
    if (!admission.admitted) {
      counts[admission.reason]++
      stream.destroy()
      return
    }
    counts.evicted += admission.evicted
    counts.accepted++
    sockets.add(stream)
    addresses.set(stream, address)
    const client = aedes.handle(stream, req)
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
        refusedBySession: (clientId, packet) => o.sessions.refused(clientId, packet),
      }),
    )
    stream.once('close', () => {
      sockets.delete(stream)
      gate.closed(stream)
      finishClient(client)
    })
  }

  return {
    attach,
    accept,
    acceptLocal,
    loggedIn: (client) => {
      gate.loggedIn(client.conn)
    },
    addressOf: (client) => addresses.get(client.conn) ?? 'unknown',
    outboxes,
    closedTotals: () => ({ ...closed }),
    counts: () => ({ ...counts }),
    get open() {
      return gate.open
    },
    get pending() {
      return gate.pending
    },
    destroyAll() {
      for (const socket of sockets) socket.destroy()
    },
  }
}
