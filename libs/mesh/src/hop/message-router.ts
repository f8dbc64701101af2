/**
 * @module hop/message-router
 * Routes each message the transport delivers to the inbound hops whose filters match its topic, and
 * settles its acknowledgement across them (DESIGN.md §5). A message no hop wants is acknowledged at once.
 * A message several hops want is acknowledged once every one of them has taken it, and the transport
 * reads on once every one of them has read on or settled it; if any of them leaves it at the broker
 * (`leave`), it is left, and comes back to all of them after a restart (at least once for each hop).
 */
import type { AckOutcome, MessageHandler, TransportMessage } from '../transport/transport.js'
import type { InboundHop } from './inbound-hop.js'

/** What the router needs of a hop. */
export type RoutedHop = Pick<InboundHop<never>, 'matches' | 'accept'>

/**
 * Hands `message` to several hops and acknowledges it once all of them have settled it; `readOn` runs
 * once all of them have read on (or settled).
 */
function acceptByAll(
  hops: readonly RoutedHop[],
  message: TransportMessage,
  ack: (outcome?: AckOutcome) => void,
  readOn: (() => void) | undefined,
): void {
  let unsettled = hops.length
  let unread = hops.length
  let leave = false
  for (const hop of hops) {
    let read = false
    const readOnce = (): void => {
      if (read) return
      read = true
      if (--unread === 0) readOn?.()
    }
    hop.accept(
      message,
      (outcome) => {
        if (outcome === 'leave') leave = true
        readOnce()
        if (--unsettled === 0) ack(leave ? 'leave' : 'taken')
      },
      readOn === undefined ? undefined : readOnce,
    )
  }
}

/**
 * Creates the transport's message handler over the hops `hops()` returns at each message.
 *
 * @example
 * ```ts
 * transport.onMessage(createMessageRouter(() => inbound.values()))
 * ```
 */
export function createMessageRouter(hops: () => Iterable<RoutedHop>): MessageHandler {
  return (message, ack, readOn) => {
    // One hop is the common case: no array, no wrapped callbacks on this per-message path.
    let matched: RoutedHop[] | undefined
    let first: RoutedHop | undefined
    for (const hop of hops()) {
      if (!hop.matches(message.topic)) continue
      if (first === undefined) first = hop
      else (matched ??= [first]).push(hop)
    }
    if (first === undefined) ack()
    else if (matched === undefined) first.accept(message, ack, readOn)
    else acceptByAll(matched, message, ack, readOn)
  }
}
