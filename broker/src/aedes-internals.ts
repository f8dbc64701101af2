/**
 * @module aedes-internals
 * The private parts of Aedes 1.2 that the broker relies on, typed in one place so that an Aedes upgrade
 * breaks here and nowhere else. Read from `aedes/lib/client.js` (1.2.0): each client has per-instance
 * `deliver0(packet, cb)` and `deliverQoS(packet, cb)` functions that subscriptions capture when they are
 * added (`lib/handlers/subscribe.js` `addSubs`), and whose callbacks Aedes' router (mqemitter) waits for
 * before it routes further messages — which is why one stalled socket stalls everyone.
 */
import type { AedesPublishPacket, Client } from 'aedes'

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
