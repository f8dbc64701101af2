/**
 * @module aedes-internals
 * The private parts of Aedes 1.2 that the broker relies on, typed in one place so that an Aedes upgrade
 * breaks here and nowhere else. Read from `aedes/lib/client.js` (1.2.0): each client has per-instance
 * `deliver0(packet, cb)` and `deliverQoS(packet, cb)` functions that subscriptions capture when they are
 * added (`lib/handlers/subscribe.js` `addSubs`), and whose callbacks Aedes' router (mqemitter) waits for
 * before it routes further messages — which is why one stalled socket stalls everyone. Every other
 * private field the broker touches is here too: the registry of connected clients, the version, the
 * route step (`aedes.publish`), each client's packet parser and the router's topic matcher.
 */
import type { Aedes, AedesPublishPacket, Client, PublishPacket } from 'aedes'

/** The delivery function Aedes keeps per client; `cb` releases the router. */
export type DeliverFunction = (packet: AedesPublishPacket, cb: () => void) => void

/** The private delivery surface of an Aedes 1.2 client. */
export interface ClientInternals {
  deliver0: DeliverFunction
  deliverQoS: DeliverFunction
  readonly closed: boolean
  readonly clean: boolean
  readonly id: string
  readonly conn: Client['conn']
  /**
   * Aedes' duplicate filter (lib/client.js `dedupe`): per broker id, the highest `brokerCounter` sent to
   * this client; a packet with a counter not above it is taken for a duplicate and not sent.
   */
  readonly duplicates: Record<string, number>
}

/** Views an Aedes client through its private delivery surface. */
export function clientInternals(client: Client): ClientInternals {
  return client as unknown as ClientInternals
}

/** The Aedes version this module was read against (major must match). */
export const AEDES_MAJOR = 1

/** The version of a running Aedes (`aedes.version`, lib/aedes.js). */
export function aedesVersion(aedes: Aedes): string {
  return (aedes as unknown as { version: string }).version
}

/** True while a client with this id is connected (Aedes' registry `aedes.clients`, lib/aedes.js). */
export function isClientConnected(aedes: Aedes, clientId: string): boolean {
  return (aedes as unknown as { clients: Record<string, unknown> }).clients[clientId] !== undefined
}

/** Aedes' route step: `aedes.publish(packet, client, done)`, called for every PUBLISH a client sends. */
export type RoutePublish = (
  packet: PublishPacket,
  client: Client | null,
  done: (error?: Error) => void,
) => void

/**
 * Replaces Aedes' route step with `wrap(route)`. Aedes calls `publish(packet, client, done)` for client
 * packets (lib/handlers/publish.js); the broker's own callers use the public `publish(packet, done)`, which
 * the replacement still accepts.
 */
export function wrapRoute(aedes: Aedes, wrap: (route: RoutePublish) => RoutePublish): void {
  const route = wrap((aedes.publish as unknown as RoutePublish).bind(aedes))
  const publish = (
    packet: PublishPacket,
    client: Client | null | ((error?: Error) => void),
    done?: (error?: Error) => void,
  ): void => {
    if (typeof client === 'function') route(packet, null, client)
    else route(packet, client, done ?? (() => undefined))
  }
  ;(aedes as unknown as { publish: typeof publish }).publish = publish
}

/** The part of Aedes 1.2's per-client mqtt-packet 9 parser (`client._parser`) that reads a fixed header. */
interface ParserInternals {
  packet: { cmd?: string; length: number }
  _list: { length: number; consume(bytes: number): void }
  _parseLength(): boolean
  _emitError(err: Error): void
}

/**
 * Makes a client's parser refuse a packet whose remaining length [MQTT-2.2.3] is over `maxBytes` as soon
 * as the fixed header is read, before any of its body is buffered: mqtt-packet 9 has no size limit and
 * buffers the whole packet (`bl`) before Aedes sees it. The parser's error reaches Aedes' client, which
 * destroys the connection (what [MQTT-3.1.4-1] asks of a malformed packet; MQTT 5 calls it 0x95 "Packet
 * too large"). `onRefused` is told the command and the announced length.
 */
export function limitPacketSize(
  client: Client,
  maxBytes: number,
  onRefused: (cmd: string, length: number) => void,
): void {
  const parser = (client as unknown as { _parser: ParserInternals })._parser
  const parseLength = parser._parseLength.bind(parser)
  parser._parseLength = () => {
    const done = parseLength()
    if (done && parser.packet.length > maxBytes) {
      onRefused(parser.packet.cmd ?? 'unknown', parser.packet.length)
      parser._list.consume(parser._list.length)
      parser._emitError(
        new Error(`packet of ${parser.packet.length} bytes is over the limit of ${maxBytes}`),
      )
      return false
    }
    return done
  }
}

/**
 * The part of Aedes' router that finds a message's listeners: mqemitter 7's `aedes.mq._matcher`, a Qlobber
 * that `on` adds to, `removeListener` and `removeAllListeners` remove from, and `emit` asks per message
 * (`_do`). The arrays `match` returns are only read (fastparallel calls each listener in turn).
 */
export interface RouterMatcher {
  add(topic: string, listener: unknown): unknown
  remove(topic: string, listener?: unknown): unknown
  clear(): unknown
  match(topic: string): unknown[]
}

/** The router's matcher of a running Aedes (see {@link RouterMatcher}). */
export function routerMatcher(aedes: Aedes): RouterMatcher {
  return (aedes as unknown as { mq: { _matcher: RouterMatcher } }).mq._matcher
}
