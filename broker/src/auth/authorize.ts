/**
 * @module auth/authorize
 * The broker's per-message checks (Aedes' `authorizeSubscribe` and `authorizePublish` hooks) for a client
 * whose identity `auth/authenticate` established: the read ACL (SUBACK 0x80 for a filter that reaches a
 * closed topic), the reserved `$SYS` tree, the payload limit, the publish ACL and the per-client message
 * rate (DESIGN.md §11). A refused PUBLISH is acknowledged and discarded, not answered by a disconnect
 * [MQTT-3.3.5-2], so a misconfigured service does not fall into a reconnect loop: the packet is marked
 * here, and the route step (`routing.ts`) skips what is marked. Every refusal is counted by reason and
 * logged at a sampled rate.
 */
import type { AedesOptions, Client, PublishPacket } from 'aedes'
import { createRateLimiter, type RateLimiter } from '../limits/rate-limiter.js'
import type { BrokerLogger } from '../options.js'
import { createPublishCheck, createSubscribeCheck, type Identity } from './acl.js'

/** What the authorizer needs to know. */
export interface AuthorizerOptions {
  readonly prefix: string
  readonly maxPayloadBytes: number
  /** Per-client PUBLISH rate; 0 = unlimited. */
  readonly maxMessagesPerSecond: number
  readonly log: BrokerLogger
}

/** What the authorizer refused or held back, totals since start. */
export interface AuthorizeCounts {
  /** PUBLISH outside the client's ACL, acknowledged and discarded. */
  readonly acl: number
  /** PUBLISH over the payload limit, acknowledged and discarded. */
  readonly payload: number
  /** SUBSCRIBE filters refused by the read ACL. */
  readonly read: number
  /** PUBLISH delayed by the rate limit. */
  readonly throttled: number
}

/** The broker's authorization state and Aedes hooks. */
export interface Authorizer {
  /** Records who a client is, once it logged in: its ACL checks and its rate limit follow. */
  admit(client: Client, identity: Identity): void
  /** The role of a logged-in client. */
  roleOf(client: Client): string | undefined
  /** True for a PUBLISH that was acknowledged but must not be routed. */
  readonly isDiscarded: (packet: PublishPacket) => boolean
  readonly authorizeSubscribe: NonNullable<AedesOptions['authorizeSubscribe']>
  readonly authorizePublish: NonNullable<AedesOptions['authorizePublish']>
  counts(): AuthorizeCounts
}

function payloadBytes(payload: PublishPacket['payload']): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length
}

/**
 * Creates the authorizer.
 *
 * @example
 * ```ts
 * const authz = createAuthorizer({ prefix: 'sluice', maxPayloadBytes: 65536, maxMessagesPerSecond: 0, log })
 * const aedes = await Aedes.createBroker({
 *   authorizePublish: authz.authorizePublish,
 *   authorizeSubscribe: authz.authorizeSubscribe,
 * })
 * ```
 */
export function createAuthorizer(o: AuthorizerOptions): Authorizer {
  const log = o.log
  const identities = new WeakMap<Client, Identity>()
  const publishChecks = new WeakMap<Client, (topic: string) => boolean>()
  const subscribeChecks = new WeakMap<Client, (filter: string) => boolean>()
  const limiters = new WeakMap<Client, RateLimiter>()
  const discarded = new WeakSet<object>()
  const counts = { acl: 0, payload: 0, read: 0, throttled: 0 }

  /** Logs the first refusal of a kind, then one in `every` (STYLE.md, Logging). */
  function warnSampled(
    refused: number,
    every: number,
    client: Client | null,
    fields: Record<string, string>,
    message: string,
  ): void {
    if (refused % every !== 1) return
    const role = client === null ? undefined : identities.get(client)?.role
    log.warn({ clientId: client?.id, ...fields, role, refused }, message)
  }

  /** Acknowledges a PUBLISH that must not be routed (see the module note). */
  function discard(packet: PublishPacket, callback: (error?: Error | null) => void): void {
    discarded.add(packet)
    callback(null)
  }

  return {
    admit(client, identity) {
      identities.set(client, identity)
      publishChecks.set(client, createPublishCheck(identity, o.prefix))
      subscribeChecks.set(client, createSubscribeCheck(identity, o.prefix))
      if (o.maxMessagesPerSecond > 0) {
        limiters.set(client, createRateLimiter(o.maxMessagesPerSecond, o.maxMessagesPerSecond))
      }
    },
    roleOf: (client) => identities.get(client)?.role,
    isDiscarded: (packet) => discarded.has(packet),
    authorizeSubscribe(client, subscription, callback) {
      // The read ACL (auth/acl READ_RULES): SUBACK 0x80 for a filter that reaches a closed topic.
      const may = client === null ? undefined : subscribeChecks.get(client)
      if (may !== undefined && !may(subscription.topic)) {
        counts.read++
        warnSampled(
          counts.read,
          100,
          client,
          { filter: subscription.topic },
          'subscription refused by the read ACL',
        )
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
      if (payloadBytes(packet.payload) > o.maxPayloadBytes) {
        counts.payload++
        discard(packet, callback)
        return
      }
      const may = publishChecks.get(client)
      if (may !== undefined && !may(packet.topic)) {
        counts.acl++
        warnSampled(
          counts.acl,
          1000,
          client,
          { topic: packet.topic },
          'publish outside the client ACL discarded',
        )
        discard(packet, callback)
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
    counts: () => ({ ...counts }),
  }
}
