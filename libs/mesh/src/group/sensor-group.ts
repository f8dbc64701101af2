/**
 * @module group/sensor-group
 * The sensors of a service shared by the instances of its group (DESIGN.md §12, issue 13), in the manner
 * of Kafka's consumer groups and Flink's key groups, over plain topics on any broker:
 * - **Units.** A unit is what moves between instances as a whole: a sensor (windowing) or a device (the
 *   anomaly service, whose multivariate detector reads all of a device's channels together).
 * - **Assignment.** Every member computes the owner of every known unit by weighted rendezvous hashing
 *   over the member list (`ownerOf` in `@sluice/stream`): the same answer everywhere, and a join moves
 *   only what the joiner takes. A lone member owns everything and subscribes to the `devices` wildcards,
 *   as an instance outside any group would; with two or more, each subscribes to the raw topics of the
 *   units it owns, from the sensor registry (sensor-registry.ts), so the broker's fan-out and the
 *   decoding scale with the members.
 * - **Handover** (sensor-handover.ts). A unit that moves keeps flowing to its old owner for `overlapMs`
 *   after the new owner subscribed; then the old owner unsubscribes, handles what it has queued, and
 *   sends the unit's state with the last position of each sensor. The new owner buffers the unit's
 *   samples until the state comes, restores it, and drops what the old owner had handled (counted as
 *   `overlap`). After a crash (a last will) the new owner starts fresh, and counts the samples between
 *   the dead owner's last progress checkpoint and its own first sample as `lost`.
 */
import {
  deviceRawFilter,
  deviceRawTopic,
  parseSensorKey,
  rawFilter,
  rawTopic,
  type GroupMetrics,
} from '@sluice/contract'
import { ownerOf, type Sample } from '@sluice/stream'
import type { MeshLogger } from '../logger.js'
import type { HandleBatch, InboundHop } from '../hop/inbound-hop.js'
import type { OutboundHop } from '../hop/outbound-hop.js'
import type { GroupRuntime, MembershipChange } from './group-runtime.js'
import type { GroupMember } from './membership-view.js'
import { createSensorHandover, type SensorHandover, type UnitStates } from './sensor-handover.js'
import { createSensorPositions, positionOf } from './sensor-positions.js'
import { createSensorRegistry } from './sensor-registry.js'

/** How a service's units are made from sensor keys. */
export type UnitKind = 'sensor' | 'device'

/** What the sensor group needs. */
export interface SensorGroupDeps {
  readonly prefix: string
  readonly service: string
  readonly group: GroupRuntime
  readonly unitKind: UnitKind
  /** Devices this instance serves (`+` = all): config `devices`. */
  readonly devices: readonly string[]
  /** The raw hop whose subscriptions follow ownership. */
  readonly hop: () => InboundHop
  /** The outbound hops for handovers (not retained) and for checkpoints and registry records (retained). */
  readonly handoverOut: OutboundHop
  readonly retainedOut: OutboundHop
  /** The service's state per unit. */
  readonly states: UnitStates
  /** The service's handler, for samples released from a handover's buffer. */
  readonly handle: (key: string, samples: Sample[]) => void | Promise<void>
  readonly overlapMs: number
  readonly handoverTimeoutMs: number
  readonly checkpointMs: number
  readonly log: MeshLogger
}

/** The sensor group of one instance. */
export interface SensorGroup {
  /**
   * Takes a batch of one sensor from the raw hop and returns the samples to hand to the service now:
   * none for a unit another member owns, or one waiting for its state (buffered); duplicates of what a
   * previous owner handled are dropped and counted.
   */
  admit(key: string, samples: Sample[], batch: HandleBatch): Sample[]
  /** Hands every owned unit to the rest of the group (a graceful stop). */
  leave(): Promise<void>
  /** The `group` section of the metrics. */
  metrics(): GroupMetrics
}

/** What one instance knows of one unit it owns or is giving up. */
type UnitPhase =
  | { readonly phase: 'active' }
  | { readonly phase: 'awaiting'; readonly from: string; readonly deadline: number }
  | { readonly phase: 'releasing'; readonly at: number }

const TICK_MS = 100

/** Creates the sensor group of one instance (see the module note). */
export function createSensorGroup(deps: SensorGroupDeps): SensorGroup {
  const { group, prefix } = deps
  const self = group.self.instance
  const registry = createSensorRegistry(deps.devices)
  const positions = createSensorPositions()
  const units = new Map<string, UnitPhase>()
  // The hop starts on the `devices` wildcards, as a lone instance would: a persistent session's backlog
  // arrives right after the connection, before the first member list, and must find the hop. It waits
  // in the hop's queue (paused, with its flow control) until ownership is known.
  const subscribed = new Set<string>(soloFilters())
  let members: readonly GroupMember[] = []
  let solo = true
  let started = false
  let rebalanceAt = 0
  let releaseTimer: NodeJS.Timeout | undefined
  const counts = { rebalances: 0, overlap: 0 }
  let lastHandoverMs: number | undefined

  const unitOf = (key: string): string =>
    deps.unitKind === 'sensor' ? key : (parseSensorKey(key)?.device ?? key)
  const sensorsOf = (unit: string): string[] =>
    deps.unitKind === 'sensor' ? [unit] : registry.sensorsOf(unit)
  const ownerNow = (unit: string): string | undefined =>
    solo
      ? self
      : ownerOf(
          unit,
          members.map((m) => ({ id: m.instance, weight: m.weight })),
        )

  const handover: SensorHandover = createSensorHandover({
    prefix,
    service: deps.service,
    group,
    handoverOut: deps.handoverOut,
    retainedOut: deps.retainedOut,
    states: deps.states,
    positions,
    registry,
    sensorsOf,
    handle: deps.handle,
    checkpointMs: deps.checkpointMs,
    log: deps.log,
    onRestored: (unit) => {
      if (units.get(unit)?.phase !== 'awaiting') return false
      units.set(unit, { phase: 'active' })
      lastHandoverMs = Date.now() - rebalanceAt
      return true
    },
  })

  function soloFilters(): string[] {
    return deps.devices.flatMap((d) => [
      rawFilter(prefix, d === '+' ? undefined : d),
      deviceRawFilter(prefix, d === '+' ? undefined : d),
    ])
  }

  /** The filters the raw hop should hold now. */
  function wantedFilters(): Set<string> {
    if (solo) return new Set(soloFilters())
    const wanted = new Set<string>()
    for (const unit of units.keys()) {
      if (deps.unitKind === 'device') {
        wanted.add(rawFilter(prefix, unit))
        wanted.add(deviceRawTopic(prefix, unit))
        continue
      }
      const sensor = parseSensorKey(unit)
      if (sensor === null) continue
      wanted.add(rawTopic(prefix, sensor.device, sensor.channel))
      wanted.add(deviceRawTopic(prefix, sensor.device))
    }
    return wanted
  }

  async function subscribeWanted(): Promise<void> {
    const hop = deps.hop()
    const missing = [...wantedFilters()].filter((f) => !subscribed.has(f))
    for (const f of missing) subscribed.add(f)
    await Promise.all(
      missing.map((f) =>
        hop.subscribe(f).catch((err: unknown) => {
          subscribed.delete(f)
          deps.log.warn({ err, filter: f }, 'could not subscribe to an owned sensor')
        }),
      ),
    )
  }

  async function unsubscribeUnwanted(): Promise<void> {
    const hop = deps.hop()
    const wanted = wantedFilters()
    for (const f of [...subscribed]) {
      if (wanted.has(f)) continue
      subscribed.delete(f)
      await hop.unsubscribe(f).catch((err: unknown) => {
        deps.log.warn({ err, filter: f }, 'could not unsubscribe from a sensor given up')
      })
    }
  }

  /**
   * The owner of `unit` before this change: under the previous member list, or, for an instance that
   * just joined, under the list without itself.
   */
  function previousOwner(unit: string, change: MembershipChange): string | undefined {
    const prev =
      change.previous.generation > 0
        ? change.previous.members
        : change.current.members.filter((m) => m.instance !== self)
    if (prev.length <= 1) return prev[0]?.instance
    return ownerOf(
      unit,
      prev.map((m) => ({ id: m.instance, weight: m.weight })),
    )
  }

  /** A unit this instance now owns: with its state from its previous owner, or fresh. */
  function gain(unit: string, change: MembershipChange, now: number): void {
    const from = previousOwner(unit, change)
    const joining = change.previous.generation === 0
    const isNew = !joining && !knownBefore.has(unit)
    // A joiner waits only for units its previous owner has been handling (its checkpoint says so);
    // members started together take theirs fresh.
    if (from === undefined || from === self || isNew || (joining && !handover.heldBy(from, unit))) {
      units.set(unit, { phase: 'active' })
      deps.log.debug(
        { unit, from, joining, isNew, progress: handover.progressOf(from) },
        'a unit taken fresh',
      )
      return
    }
    const alive = change.current.members.some((m) => m.instance === from)
    if (alive || change.departed.get(from) === true) {
      units.set(unit, { phase: 'awaiting', from, deadline: now + deps.handoverTimeoutMs })
      deps.log.debug({ unit, from }, 'awaiting the state of a unit taken over')
      handover.takePending(unit)
      return
    }
    // The old owner crashed: start fresh, and count what it may have missed from its checkpoint.
    units.set(unit, { phase: 'active' })
    handover.startFresh(unit, from)
    deps.log.debug({ unit, from }, 'a unit of a crashed member starts fresh')
  }

  const knownBefore = new Set<string>()
  function knownUnits(): Set<string> {
    const all = new Set<string>(units.keys())
    for (const key of registry.keys()) all.add(unitOf(key))
    return all
  }

  /** Recomputes ownership after a membership or registry change. */
  function rebalance(change: MembershipChange | undefined): Promise<void> {
    const now = Date.now()
    if (change !== undefined) {
      members = change.current.members
      solo = members.length <= 1
      counts.rebalances++
      rebalanceAt = now
    }
    deps.log.debug({ known: registry.size, owned: units.size, solo }, 'rebalancing')
    let releasing = false
    for (const unit of knownUnits()) {
      const st = units.get(unit)
      const owner = ownerNow(unit)
      if (owner === self) {
        if (st === undefined) {
          if (change === undefined) units.set(unit, { phase: 'active' })
          else gain(unit, change, now)
        } else if (st.phase === 'releasing') units.set(unit, { phase: 'active' })
      } else if (st !== undefined && st.phase !== 'releasing') {
        if (st.phase === 'awaiting') handover.flushBuffer(unit)
        units.set(unit, { phase: 'releasing', at: now + deps.overlapMs })
        releasing = true
      }
    }
    knownBefore.clear()
    for (const u of knownUnits()) knownBefore.add(u)
    if (releasing) scheduleRelease(deps.overlapMs)
    for (const unit of handover.bufferedUnits()) {
      const phase = units.get(unit)?.phase
      if (phase === 'active') handover.flushBuffer(unit)
      else if (phase !== 'awaiting') counts.overlap += handover.discardBuffer(unit)
    }
    // Per-sensor filters first, then the wildcards go: a unit being released keeps its own filter.
    return subscribeWanted().then(unsubscribeUnwanted)
  }

  function scheduleRelease(delayMs: number): void {
    clearTimeout(releaseTimer)
    releaseTimer = setTimeout(() => void releaseDue(), delayMs)
    releaseTimer.unref()
  }

  /** Gives up the units whose overlap is over: unsubscribe, catch up, send their state. */
  async function releaseDue(): Promise<void> {
    const now = Date.now()
    const due = [...units].filter(([, st]) => st.phase === 'releasing' && st.at <= now)
    const later = [...units.values()].some((st) => st.phase === 'releasing' && st.at > now)
    for (const [unit] of due) units.delete(unit)
    await unsubscribeUnwanted()
    await deps.hop().caughtUp(2000)
    for (const [unit] of due) {
      const to = ownerNow(unit)
      if (to === self || to === undefined) {
        units.set(unit, { phase: 'active' })
        continue
      }
      for (const key of sensorsOf(unit)) deps.hop().forgetSensor(key)
      deps.log.debug({ unit, to }, 'handing a unit over')
      await handover.send(unit, to, group.members.generation)
    }
    if (later) scheduleRelease(TICK_MS)
  }

  group.onChange(async (change) => {
    const first = !started
    started = true
    await rebalance(change)
    // The raw hop waits, paused, until this instance knows what it owns (sensor-intake.ts).
    if (first) deps.hop().resume()
  })
  handover.listen((device, gained) => {
    if (gained && started) void rebalance(undefined)
  })
  const tick = setInterval(() => {
    const now = Date.now()
    for (const [unit, st] of units) {
      if (st.phase === 'awaiting' && st.deadline <= now) {
        units.set(unit, { phase: 'active' })
        handover.timedOut(unit, st.from)
      }
    }
    handover.tick(now, () => [...units].filter(([, s]) => s.phase === 'active').map(([u]) => u))
  }, TICK_MS)
  tick.unref()

  return {
    admit(key, samples, batch) {
      const unit = unitOf(key)
      if (registry.see(key)) {
        handover.announce(key)
        if (!solo) void rebalance(undefined)
      }
      const st = units.get(unit)
      if (!started) return handover.buffer(unit, key, samples, batch)
      if (st === undefined) {
        if (solo) units.set(unit, { phase: 'active' })
        else {
          batch.drop('handover', samples.length)
          return []
        }
      } else if (st.phase === 'awaiting') {
        return handover.buffer(unit, key, samples, batch)
      }
      const { fresh, duplicates } = positions.admit(key, samples)
      if (duplicates > 0) {
        counts.overlap += duplicates
        batch.drop('handover', duplicates)
      }
      const first = fresh[0]
      if (first !== undefined) handover.countLost(key, positionOf(first))
      return fresh
    },
    async leave() {
      clearInterval(tick)
      const after = await group.leave()
      if (after.members.length === 0 || units.size === 0) return
      members = after.members
      solo = false
      // The others take this one out after their settling time, then subscribe: overlap past that.
      await new Promise((resolve) => setTimeout(resolve, deps.overlapMs + 600))
      const now = Date.now()
      for (const unit of units.keys()) units.set(unit, { phase: 'releasing', at: now })
      await releaseDue()
      await handover.clearCheckpoint()
    },
    metrics() {
      const c = handover.counts
      return {
        group: group.name,
        generation: group.members.generation,
        members: group.members.members.map((m) => ({ instance: m.instance, weight: m.weight })),
        units: knownUnits().size,
        owned: units.size,
        rebalances: counts.rebalances,
        handovers: { sent: c.sent, received: c.received, fresh: c.fresh },
        ...(lastHandoverMs === undefined ? {} : { lastHandoverMs }),
        overlap: counts.overlap + c.overlap,
        lost: c.lost,
      }
    },
  }
}
