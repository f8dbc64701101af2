/**
 * @module routing
 * The broker's route step with discards: a PUBLISH that the authorizer acknowledged but refused (outside
 * the client's ACL, or over the payload limit, [MQTT-3.3.5-2]) is never routed to subscribers. Aedes has
 * no hook between acknowledging and routing, so the route step itself is wrapped (`aedes-internals`).
 */
import type { Aedes, PublishPacket } from 'aedes'
import { wrapRoute } from './aedes-internals.js'

/**
 * Makes Aedes skip every packet `isDiscarded` names; the publisher's callback still runs, on the next
 * macrotask, as it would after routing.
 *
 * @example
 * ```ts
 * routeSkippingDiscarded(aedes, authorizer.isDiscarded)
 * ```
 */
export function routeSkippingDiscarded(
  aedes: Aedes,
  isDiscarded: (packet: PublishPacket) => boolean,
): void {
  wrapRoute(aedes, (route) => (packet, client, done) => {
    if (isDiscarded(packet)) {
      setImmediate(done)
      return
    }
    route(packet, client, done)
  })
}
