/**
 * @module group/unit-subscriptions
 * The raw hop's subscriptions of a group member follow what it owns (DESIGN.md §12): a lone member holds
 * the `devices` wildcards, as an instance outside any group would; with two or more members, each holds
 * the raw topics of its own units (a sensor's per-channel topic, or all of a device's channels) and the
 * device-level topic of their devices. New filters are subscribed before old ones are dropped, so a unit
 * being released keeps its own filter until the release.
 */
import {
  deviceRawFilter,
  deviceRawTopic,
  parseSensorKey,
  rawFilter,
  rawTopic,
} from '@sluice/contract'
import type { MeshLogger } from '../logger.js'
import type { InboundHop } from '../hop/inbound-hop.js'

/** How a service's units are made from sensor keys. */
export type UnitKind = 'sensor' | 'device'

/** What the subscriptions need. */
export interface UnitSubscriptionsDeps {
  readonly prefix: string
  /** Devices this instance serves (`+` = all): config `devices`. */
  readonly devices: readonly string[]
  readonly unitKind: UnitKind
  readonly hop: () => InboundHop
  readonly log: MeshLogger
  /** The hop holds the wildcards from its start (see `SensorGroupDeps.startsSubscribed`). */
  readonly startsSubscribed: boolean
}

/** The raw hop's subscriptions of one member. */
export interface UnitSubscriptions {
  /** Subscribes what `units` (or, `solo`, the wildcards) need and is not held yet. */
  subscribeWanted(units: Iterable<string>, solo: boolean): Promise<void>
  /** Drops what neither `units` nor, `solo`, the wildcards need. */
  unsubscribeUnwanted(units: Iterable<string>, solo: boolean): Promise<void>
}

/**
 * Filters per SUBSCRIBE or UNSUBSCRIBE packet: a move of thousands of sensors is a few packets (a broker
 * looks up its retained messages once per packet), each far below any packet size limit.
 */
const FILTERS_PER_PACKET = 500

/** Creates the subscriptions of one member. */
export function createUnitSubscriptions(deps: UnitSubscriptionsDeps): UnitSubscriptions {
  const { prefix } = deps
  const wildcards = deps.devices.flatMap((d) => [
    rawFilter(prefix, d === '+' ? undefined : d),
    deviceRawFilter(prefix, d === '+' ? undefined : d),
  ])
  const subscribed = new Set<string>(deps.startsSubscribed ? wildcards : [])

  function filtersOf(unit: string): string[] {
    if (deps.unitKind === 'device') return [rawFilter(prefix, unit), deviceRawTopic(prefix, unit)]
    const sensor = parseSensorKey(unit)
    if (sensor === null) return []
    return [rawTopic(prefix, sensor.device, sensor.channel), deviceRawTopic(prefix, sensor.device)]
  }

  function wanted(units: Iterable<string>, solo: boolean): Set<string> {
    if (solo) return new Set(wildcards)
    const all = new Set<string>()
    for (const unit of units) for (const f of filtersOf(unit)) all.add(f)
    return all
  }

  /** Runs `fn` on `list` in packets of at most {@link FILTERS_PER_PACKET} filters, together. */
  const inPackets = (list: string[], fn: (part: string[]) => Promise<void>): Promise<unknown> => {
    const parts: string[][] = []
    for (let i = 0; i < list.length; i += FILTERS_PER_PACKET) {
      parts.push(list.slice(i, i + FILTERS_PER_PACKET))
    }
    return Promise.all(parts.map(fn))
  }

  return {
    async subscribeWanted(units, solo) {
      const hop = deps.hop()
      const missing = [...wanted(units, solo)].filter((f) => !subscribed.has(f))
      for (const f of missing) subscribed.add(f)
      await inPackets(missing, (part) =>
        hop.subscribe(part).catch((err: unknown) => {
          for (const f of part) subscribed.delete(f)
          deps.log.warn({ err, filters: part.length }, 'could not subscribe to owned sensors')
        }),
      )
    },
    async unsubscribeUnwanted(units, solo) {
      const hop = deps.hop()
      const keep = wanted(units, solo)
      const gone = [...subscribed].filter((f) => !keep.has(f))
      for (const f of gone) subscribed.delete(f)
      await inPackets(gone, (part) =>
        hop.unsubscribe(part).catch((err: unknown) => {
          deps.log.warn(
            { err, filters: part.length },
            'could not unsubscribe from sensors given up',
          )
        }),
      )
    },
  }
}
