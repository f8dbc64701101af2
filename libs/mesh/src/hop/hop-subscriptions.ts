/**
 * @module hop/hop-subscriptions
 * The subscriptions of one inbound hop: the filters it holds, subscribing and unsubscribing them on the
 * transport, and whether a topic is the hop's. An instance takes and gives up sensors while it runs
 * (DESIGN.md §12), so the filters change at run time; a filter given up recently still matches for a
 * while, so that messages already in flight from the broker are taken and counted, not silently lost.
 */
import { MeshHopError } from '../errors.js'
import { createTopicMatcher } from '@sluice/contract'
import type { Qos, Transport } from '../transport/transport.js'

/** The subscriptions of one inbound hop (see the module note). */
export interface HopSubscriptions {
  /** The filters subscribed now. */
  readonly filters: readonly string[]
  /** Subscribes to the initial filters on the transport (they match from creation on). */
  start(): Promise<void>
  /** Adds subscriptions (several in one packet); those held already are left as they are. */
  subscribe(filter: string | readonly string[]): Promise<void>
  /** Drops subscriptions (several in one packet); those not held are left as they are. */
  unsubscribe(filter: string | readonly string[]): Promise<void>
  /** Drops every subscription (their messages in flight still match for a while). */
  unsubscribeAll(): Promise<void>
  /** True if a filter held now, or given up recently, matches `topic`. */
  matches(topic: string): boolean
}

/** Filters given up and still matched; the oldest are forgotten beyond this. */
const MAX_RETIRED = 20_000
/** Topics whose answer `matches` remembers (topics are per sensor). */
const MAX_CACHED_TOPICS = 100_000

/** Creates the subscriptions of the hop `hop`, starting with `initial` (subscribed by `start()`). */
export function createHopSubscriptions(
  hop: string,
  qos: Qos,
  transport: Transport,
  initial: readonly string[] = [],
): HopSubscriptions {
  const filters = new Set<string>(initial)
  const retired = new Set<string>()
  // `matches` runs for every message and every hop (the runtime's routing): a matcher that remembers its
  // answer per topic, made afresh on the first message after the filters change.
  let matcher: ((topic: string) => boolean) | undefined

  const subscribeOn = async (list: readonly string[]): Promise<void> => {
    try {
      await transport.subscribe(list, qos)
    } catch (err) {
      const named = list.length === 1 ? list[0]! : `${String(list.length)} filters`
      throw new MeshHopError(
        `Hop ${hop} could not subscribe to ${named}: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
  }
  const listOf = (filter: string | readonly string[]): readonly string[] =>
    typeof filter === 'string' ? [filter] : filter
  const retire = (filter: string): void => {
    matcher = undefined
    retired.delete(filter)
    retired.add(filter)
    if (retired.size > MAX_RETIRED) {
      const oldest = retired.values().next().value
      if (oldest !== undefined) retired.delete(oldest)
    }
  }

  return {
    get filters() {
      return [...filters]
    },
    async start() {
      if (initial.length > 0) await subscribeOn(initial)
    },
    async subscribe(filter) {
      const added = listOf(filter).filter((f) => !filters.has(f))
      if (added.length === 0) return
      for (const f of added) {
        filters.add(f)
        retired.delete(f)
      }
      matcher = undefined
      try {
        await subscribeOn(added)
      } catch (err) {
        for (const f of added) filters.delete(f)
        matcher = undefined
        throw err
      }
    },
    async unsubscribe(filter) {
      const dropped = listOf(filter).filter((f) => filters.delete(f))
      if (dropped.length === 0) return
      for (const f of dropped) retire(f)
      await transport.unsubscribe(dropped)
    },
    async unsubscribeAll() {
      const all = [...filters]
      filters.clear()
      for (const f of all) retire(f)
      await transport.unsubscribe(all).catch(() => undefined)
    },
    matches(topic) {
      matcher ??= createTopicMatcher([...filters, ...retired], MAX_CACHED_TOPICS)
      return matcher(topic)
    },
  }
}
