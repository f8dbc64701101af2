/**
 * @module metrics
 * What the broker reports about itself (DESIGN.md §6) on `{p}/_sys/broker/{instance}/metrics`: clients,
 * connections accepted and refused, messages in and out, refused publishes by reason, and for each
 * subscriber its own queue — length, capacity, and exact in/out/dropped/deferred counters — so that a
 * slow consumer is visible by name, with what it cost itself and nobody else. The message is also a valid
 * `sluice.v1.metrics` message: each subscriber's queue appears as an outbound hop in `hops`, so the
 * dashboard reads the broker like any other service. Those hops are built as every hop's are: a
 * `libs/stream` hop meter (whose `hopState` is the health rule) read into the contract's `toHopMetrics`.
 */
import type { HopMetrics } from '@sluice/contract'
import type { Aedes } from 'aedes'
import type { Authorizer } from './auth/authorize.js'
import type { LoginRefusal } from './auth/authenticate.js'
import type { Connections } from './connections.js'
import type { BoundedSessionStore } from './persistence/bounded-session-store.js'

/** One subscriber's outbound queue. `in = out + dropped + deferred + queued`. */
export interface SubscriberMetrics {
  readonly clientId: string
  readonly role: string
  readonly policy: string
  readonly capacity: number
  readonly queued: number
  readonly in: number
  /** Handed to the socket. */
  readonly out: number
  /** Lost to the queue policy, or left in the queue when the client went away. */
  readonly dropped: number
  /** QoS 1/2 of a persistent session that left the live queue but stay in the session store. */
  readonly deferred: number
  /** Writes waiting on the socket. */
  readonly inflight: number
}

/** One persistent session's stored queue (bounded, drop-newest). */
export interface SessionMetrics {
  readonly clientId: string
  readonly stored: number
  readonly dropped: number
}

/** A snapshot of the broker's counters. Counters are totals since start. */
export interface BrokerMetrics {
  readonly service: 'broker'
  readonly instance: string
  /** When the snapshot was taken (ms since the epoch). */
  readonly t: number
  readonly uptimeMs: number
  /** Connected MQTT clients. */
  readonly clients: number
  readonly connections: {
    readonly open: number
    /** Open connections that have not logged in yet. */
    readonly pending: number
    readonly accepted: number
    /** Connections refused or closed, by reason. */
    readonly refused: {
      /** Every slot was taken by a logged-in client. */
      readonly limit: number
      /** Bad user name or password, or no credentials where they are required. */
      readonly auth: number
      /** Logins refused without a check: too many failures from that address. */
      readonly throttled: number
      /** A service client id used without a credential of that service (and instance). */
      readonly clientId: number
      /** Too many connections from one address that had not logged in. */
      readonly address: number
      /** Closed before logging in, to make room for a newcomer. */
      readonly evicted: number
      /** Closed because CONNECT did not arrive within `connectTimeoutMs`. */
      readonly timeout: number
      /** Closed because a packet announced more than `maxPacketBytes`. */
      readonly oversize: number
    }
  }
  readonly messages: {
    /** PUBLISH packets accepted from clients. */
    readonly in: number
    /** Messages handed to subscriber sockets. */
    readonly out: number
    /** Dropped by subscriber queues and session stores. */
    readonly dropped: number
    readonly deferred: number
    /** PUBLISH packets acknowledged but discarded: outside the client's ACL, or over the payload limit. */
    readonly refused: { readonly acl: number; readonly payload: number }
    /** SUBSCRIBE filters refused by the read ACL (SUBACK 0x80). */
    readonly subscriptionsRefused: number
    /** PUBLISH packets held back by the per-client rate limit (delayed, not lost). */
    readonly throttled: number
  }
  readonly subscribers: readonly SubscriberMetrics[]
  readonly sessions: readonly SessionMetrics[]
  /** Each subscriber's outbound queue as a hop (`out:<clientId>`), per DESIGN.md §6. */
  readonly hops: Readonly<Record<string, HopMetrics>>
}

/** Where {@link createMetricsCollector} reads the broker's counters. */
export interface MetricsSources {
  readonly instance: string
  /** When the broker started (ms since the epoch). */
  readonly startedAt: number
  readonly aedes: Aedes
  readonly connections: Connections
  readonly authorizer: Authorizer
  readonly sessions: BoundedSessionStore
  /** Logins refused, by reason. */
  readonly loginRefusals: () => Readonly<Record<LoginRefusal, number>>
}

/**
 * Returns the broker's `metrics()`: a snapshot of its counters, and for each subscriber that was sent
 * anything its queue as a hop (each call closes that hop's meter interval).
 *
 * @example
 * ```ts
 * const metrics = createMetricsCollector({ instance: 'b1', startedAt: Date.now(), aedes, … })
 * metrics().messages.in // PUBLISH packets accepted from clients
 * ```
 */
export function createMetricsCollector(s: MetricsSources): () => BrokerMetrics {
  let messagesIn = 0
  s.aedes.on('publish', (_packet, client) => {
    if (client !== null) messagesIn++
  })
  return () => {
    const subscribers: SubscriberMetrics[] = []
    const hops: Record<string, HopMetrics> = {}
    const totals = { ...s.connections.closedTotals() }
    const now = Date.now()
    for (const [client, outbox] of s.connections.outboxes) {
      const c = outbox.counters()
      totals.in += c.in
      totals.out += c.out
      totals.dropped += c.dropped
      totals.deferred += c.deferred
      if (c.in === 0) continue
      hops[`out:${outbox.clientId}`] = outbox.hopMetrics(now)
      subscribers.push({
        clientId: outbox.clientId,
        role: s.authorizer.roleOf(client) ?? 'unknown',
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
    const conn = s.connections.counts()
    const authz = s.authorizer.counts()
    return {
      service: 'broker',
      instance: s.instance,
      t: now,
      uptimeMs: now - s.startedAt,
      clients: s.aedes.connectedClients,
      connections: {
        open: s.connections.open,
        accepted: conn.accepted,
        pending: s.connections.pending,
        refused: {
          limit: conn.limit,
          ...s.loginRefusals(),
          address: conn.address,
          evicted: conn.evicted,
          timeout: conn.timeout,
          oversize: conn.oversize,
        },
      },
      messages: {
        in: messagesIn,
        out: totals.out,
        dropped: totals.dropped + s.sessions.droppedTotal,
        deferred: totals.deferred,
        refused: { acl: authz.acl, payload: authz.payload },
        subscriptionsRefused: authz.read,
        throttled: authz.throttled,
      },
      subscribers,
      sessions: s.sessions.counters(),
      hops,
    }
  }
}
