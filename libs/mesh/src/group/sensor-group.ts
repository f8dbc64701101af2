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
  decodeSensors,
  handoverFilter,
  parseSensorKey,
  progressFilter,
  sensorsFilter,
  type GroupMetrics,
} from '@sluice/contract'
import { ownerOf, type Sample } from '@sluice/stream'
import type { MeshLogger } from '../logger.js'
import type { HandleBatch, InboundHop } from '../hop/inbound-hop.js'
import type { OutboundHop } from '../hop/outbound-hop.js'
import type { GroupRuntime, MembershipChange } from './group-runtime.js'
import type { GroupMember } from './membership-view.js'
import { createProgressCheckpoints } from './progress-checkpoints.js'
import { createRegistryAnnouncer } from './registry-announcer.js'
import { createSensorHandover, type UnitStates } from './sensor-handover.js'
import { createSensorPositions, positionOf } from './sensor-positions.js'
import { createSensorRegistry, type SensorRegistry } from './sensor-registry.js'
import { createUnitBuffers } from './unit-buffers.js'
import { createUnitSubscriptions, type UnitKind } from './unit-subscriptions.js'

export type { UnitKind } from './unit-subscriptions.js'

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
  /** The group's settling time: how long the others take to act on a change. */
  readonly settleMs: number
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

const asRendezvous = (members: readonly GroupMember[]) =>
  members.map((m) => ({ id: m.instance, weight: m.weight }))

/**
 * The owner of `unit` before `change`: under the previous member list, or, for an instance that just
 * joined, under the list without itself.
 */
function previousOwner(unit: string, change: MembershipChange, self: string): string | undefined {
  const prev =
    change.previous.generation > 0
      ? change.previous.members
      : change.current.members.filter((m) => m.instance !== self)
  if (prev.length <= 1) return prev[0]?.instance
  return ownerOf(unit, asRendezvous(prev))
}

/** How a unit this instance now owns starts. */
type Gain =
  | { readonly start: 'fresh'; readonly from: string | undefined }
  | { readonly start: 'await'; readonly from: string }
  | { readonly start: 'after-crash'; readonly from: string }

/**
 * How a gained unit starts: with its state from its previous owner if that owner is alive or left
 * gracefully, fresh if there was none (a new unit, or members started together: a joiner waits only for
 * units whose owner's checkpoint shows it handled them), fresh with its loss counted after a crash.
 */
function decideGain(
  unit: string,
  change: MembershipChange,
  self: string,
  knownBefore: ReadonlySet<string>,
  heldBy: (instance: string, unit: string) => boolean,
): Gain {
  const from = previousOwner(unit, change, self)
  const joining = change.previous.generation === 0
  if (from === undefined || from === self) return { start: 'fresh', from }
  if (!joining && !knownBefore.has(unit)) return { start: 'fresh', from }
  if (joining && !heldBy(from, unit)) return { start: 'fresh', from }
  const alive = change.current.members.some((m) => m.instance === from)
  if (alive || change.departed.get(from) === true) return { start: 'await', from }
  return { start: 'after-crash', from }
}

/** The parts of one member's sensor group, made once. */
function createParts(deps: SensorGroupDeps, onRestored: (unit: string) => boolean) {
  const self = deps.group.self.instance
  const registry = createSensorRegistry(deps.devices)
  const positions = createSensorPositions()
  const sensorsOf = (unit: string): string[] =>
    deps.unitKind === 'sensor' ? [unit] : registry.sensorsOf(unit)
  const checkpoints = createProgressCheckpoints({
    prefix: deps.prefix,
    service: deps.service,
    group: deps.group.name,
    self,
    retainedOut: deps.retainedOut,
    positions,
    sensorsOf,
    checkpointMs: deps.checkpointMs,
  })
  const buffers = createUnitBuffers({
    positions,
    onFirst: (key, position) => checkpoints.countLost(key, position),
    handle: (key, samples) => {
      Promise.resolve(deps.handle(key, samples)).catch((err: unknown) =>
        deps.log.warn({ err, key }, 'handling buffered samples failed'),
      )
    },
  })
  const handover = createSensorHandover({
    prefix: deps.prefix,
    service: deps.service,
    group: deps.group.name,
    self,
    handoverOut: deps.handoverOut,
    states: deps.states,
    positions,
    buffers,
    checkpoints,
    sensorsOf,
    log: deps.log,
    onRestored,
  })
  const announcer = createRegistryAnnouncer(deps.prefix, deps.service, self, deps.retainedOut)
  const subscriptions = createUnitSubscriptions(deps)
  return {
    self,
    registry,
    positions,
    sensorsOf,
    checkpoints,
    buffers,
    handover,
    announcer,
    subscriptions,
  }
}

/** Subscribes the group's control messages for this sensor group. */
function listenToGroup(
  deps: SensorGroupDeps,
  parts: ReturnType<typeof createParts>,
  onRegistryGain: () => void,
): void {
  const { group, prefix, service } = deps
  const { registry, handover, checkpoints, self } = parts
  void group.listen('handover', handoverFilter(prefix, service, self), (m) =>
    handover.onHandover(m),
  )
  void group.listen('progress', progressFilter(prefix, service), (m) => checkpoints.onProgress(m))
  void group.listen('sensors', sensorsFilter(prefix), (m) => {
    if (m.payload.length === 0) return
    const r = decodeSensors(m.payload)
    if (r.ok && registry.apply(m.instance, r.value.device, r.value.channels)) onRegistryGain()
  })
}

/** The units a registry names, as `unitOf` makes them, with those held now. */
function knownUnits(
  registry: SensorRegistry,
  held: Iterable<string>,
  unitOf: (key: string) => string,
): Set<string> {
  const all = new Set<string>(held)
  for (const key of registry.keys()) all.add(unitOf(key))
  return all
}

/** Creates the sensor group of one instance (see the module note). */
export function createSensorGroup(deps: SensorGroupDeps): SensorGroup {
  const { group } = deps
  const units = new Map<string, UnitPhase>()
  const state = {
    members: [] as readonly GroupMember[],
    solo: true,
    started: false,
    rebalanceAt: 0,
  }
  const counts = { rebalances: 0, overlap: 0, lastHandoverMs: undefined as number | undefined }
  const parts = createParts(deps, (unit) => {
    if (units.get(unit)?.phase !== 'awaiting') return false
    units.set(unit, { phase: 'active' })
    counts.lastHandoverMs = Date.now() - state.rebalanceAt
    return true
  })
  const { self, registry, positions, handover, buffers, subscriptions } = parts
  const unitOf = (key: string): string =>
    deps.unitKind === 'sensor' ? key : (parseSensorKey(key)?.device ?? key)
  const ownerNow = (unit: string): string | undefined =>
    state.solo ? self : ownerOf(unit, asRendezvous(state.members))
  const knownBefore = new Set<string>()
  let releaseTimer: NodeJS.Timeout | undefined

  /** A unit this instance now owns: with its state from its previous owner, or fresh. */
  function gain(unit: string, change: MembershipChange, now: number): void {
    const g = decideGain(unit, change, self, knownBefore, (i, u) => parts.checkpoints.heldBy(i, u))
    deps.log.debug({ unit, from: g.from, start: g.start }, 'a unit taken')
    if (g.start === 'await') {
      units.set(unit, { phase: 'awaiting', from: g.from, deadline: now + deps.handoverTimeoutMs })
      handover.takePending(unit)
      return
    }
    units.set(unit, { phase: 'active' })
    if (g.start === 'after-crash') handover.startFresh(unit, g.from)
  }

  /** Sets each known unit's phase for the members now; true if some unit is to be released. */
  function assignUnits(change: MembershipChange | undefined, now: number): boolean {
    let releasing = false
    for (const unit of knownUnits(registry, units.keys(), unitOf)) {
      const st = units.get(unit)
      if (ownerNow(unit) === self) {
        if (st === undefined && change !== undefined) gain(unit, change, now)
        else if (st === undefined || st.phase === 'releasing') units.set(unit, { phase: 'active' })
      } else if (st !== undefined && st.phase !== 'releasing') {
        if (st.phase === 'awaiting') buffers.flush(unit)
        units.set(unit, { phase: 'releasing', at: now + deps.overlapMs })
        releasing = true
      }
    }
    return releasing
  }

  /** Recomputes ownership after a membership or registry change. */
  function rebalance(change: MembershipChange | undefined): Promise<void> {
    const now = Date.now()
    if (change !== undefined) {
      state.members = change.current.members
      state.solo = state.members.length <= 1
      counts.rebalances++
      state.rebalanceAt = now
    }
    deps.log.debug({ known: registry.size, owned: units.size, solo: state.solo }, 'rebalancing')
    if (assignUnits(change, now)) scheduleRelease(deps.overlapMs)
    knownBefore.clear()
    for (const u of knownUnits(registry, units.keys(), unitOf)) knownBefore.add(u)
    for (const unit of buffers.units()) {
      const phase = units.get(unit)?.phase
      if (phase === 'active') buffers.flush(unit)
      else if (phase !== 'awaiting') counts.overlap += buffers.discard(unit)
    }
    // Per-sensor filters first, then the wildcards go: a unit being released keeps its own filter.
    return subscriptions
      .subscribeWanted(units.keys(), state.solo)
      .then(() => subscriptions.unsubscribeUnwanted(units.keys(), state.solo))
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
    await subscriptions.unsubscribeUnwanted(units.keys(), state.solo)
    await deps.hop().caughtUp(2000)
    const sends: Promise<void>[] = []
    for (const [unit] of due) {
      const to = ownerNow(unit)
      if (to === self || to === undefined) {
        units.set(unit, { phase: 'active' })
        continue
      }
      for (const key of parts.sensorsOf(unit)) deps.hop().forgetSensor(key)
      deps.log.debug({ unit, to }, 'handing a unit over')
      // Taken now, sent together: the outbound hop keeps them in order, `maxInFlight` at a time.
      sends.push(handover.send(unit, to, group.members.generation))
    }
    await Promise.all(sends)
    if (later) scheduleRelease(TICK_MS)
  }

  function tick(): void {
    const now = Date.now()
    for (const [unit, st] of units) {
      if (st.phase === 'awaiting' && st.deadline <= now) {
        units.set(unit, { phase: 'active' })
        handover.timedOut(unit, st.from)
      }
    }
    parts.announcer.publishDirty()
    handover.expire(now)
    parts.checkpoints.tick(now, () =>
      [...units].filter(([, s]) => s.phase === 'active').map(([u]) => u),
    )
  }

  group.onChange(async (change) => {
    const first = !state.started
    state.started = true
    await rebalance(change)
    // The raw hop waits, paused, until this instance knows what it owns (sensor-intake.ts).
    if (first) deps.hop().resume()
  })
  listenToGroup(deps, parts, () => {
    if (state.started) void rebalance(undefined)
  })
  const ticker = setInterval(tick, TICK_MS)
  ticker.unref()

  return {
    admit(key, samples, batch) {
      const unit = unitOf(key)
      if (registry.see(key)) {
        parts.announcer.announce(key)
        if (!state.solo) void rebalance(undefined)
      }
      const st = units.get(unit)
      if (st === undefined && state.solo) units.set(unit, { phase: 'active' })
      else if (st === undefined) {
        batch.drop('handover', samples.length)
        return []
      } else if (st.phase === 'awaiting') {
        buffers.buffer(unit, key, samples, batch)
        return []
      }
      const { fresh, duplicates } = positions.admit(key, samples)
      if (duplicates > 0) {
        counts.overlap += duplicates
        batch.drop('handover', duplicates)
      }
      if (fresh[0] !== undefined) parts.checkpoints.countLost(key, positionOf(fresh[0]))
      return fresh
    },
    async leave() {
      clearInterval(ticker)
      const after = await group.leave()
      if (after.members.length === 0 || units.size === 0) return
      state.members = after.members
      state.solo = false
      // The others take this one out after their settling time, then subscribe: overlap past that.
      await new Promise((resolve) => setTimeout(resolve, deps.settleMs + deps.overlapMs + TICK_MS))
      const now = Date.now()
      for (const unit of units.keys()) units.set(unit, { phase: 'releasing', at: now })
      await releaseDue()
      await parts.checkpoints.clear()
    },
    metrics: () => ({
      group: group.name,
      generation: group.members.generation,
      members: group.members.members.map((m) => ({ instance: m.instance, weight: m.weight })),
      units: knownUnits(registry, units.keys(), unitOf).size,
      owned: units.size,
      rebalances: counts.rebalances,
      handovers: { ...handover.counts },
      ...(counts.lastHandoverMs === undefined ? {} : { lastHandoverMs: counts.lastHandoverMs }),
      overlap: counts.overlap + buffers.overlap,
      lost: parts.checkpoints.lost,
    }),
  }
}
