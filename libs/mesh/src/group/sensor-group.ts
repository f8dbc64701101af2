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
import { everyInterval } from '../shared-interval.js'
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
  /**
   * The raw hop holds the `devices` wildcards from the start (a persistent session, whose backlog comes
   * before the first member list: it is taken as a lone member would, and what is not this member's
   * is handed over at the first rebalance). Otherwise it subscribes at the first member list.
   */
  readonly startsSubscribed: boolean
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
  /** True if the raw hop should hold the wildcards from its start (see `SensorGroupDeps`). */
  readonly startsSubscribed: boolean
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

/** What one member's sensor group keeps, shared by the steps below. */
interface Ownership {
  readonly deps: SensorGroupDeps
  readonly parts: ReturnType<typeof createParts>
  readonly units: Map<string, UnitPhase>
  readonly state: {
    members: readonly GroupMember[]
    solo: boolean
    started: boolean
    rebalanceAt: number
  }
  readonly counts: { rebalances: number; overlap: number; lastHandoverMs: number | undefined }
  /** The units known at the last rebalance (a unit not among them is new, with no owner before). */
  readonly knownBefore: Set<string>
  readonly unitOf: (key: string) => string
  readonly ownerNow: (unit: string) => string | undefined
}

/** A unit this instance now owns: with its state from its previous owner, or fresh. */
function gain(o: Ownership, unit: string, change: MembershipChange, now: number): void {
  const { parts } = o
  const g = decideGain(unit, change, parts.self, o.knownBefore, (i, u) =>
    parts.checkpoints.heldBy(i, u),
  )
  o.deps.log.debug({ unit, from: g.from, start: g.start }, 'a unit taken')
  if (g.start === 'await') {
    o.units.set(unit, { phase: 'awaiting', from: g.from, deadline: now + o.deps.handoverTimeoutMs })
    parts.handover.takePending(unit)
    return
  }
  o.units.set(unit, { phase: 'active' })
  if (g.start === 'after-crash') parts.handover.startFresh(unit, g.from)
}

/** Sets each known unit's phase for the members now; true if some unit is to be released. */
function assignUnits(o: Ownership, change: MembershipChange | undefined, now: number): boolean {
  const { units, parts } = o
  let releasing = false
  for (const unit of knownUnits(parts.registry, units.keys(), o.unitOf)) {
    const st = units.get(unit)
    if (o.ownerNow(unit) === parts.self) {
      if (st === undefined && change !== undefined) gain(o, unit, change, now)
      else if (st === undefined || st.phase === 'releasing') units.set(unit, { phase: 'active' })
    } else if (st !== undefined && st.phase !== 'releasing') {
      if (st.phase === 'awaiting') parts.buffers.flush(unit)
      units.set(unit, { phase: 'releasing', at: now + o.deps.overlapMs })
      releasing = true
    }
  }
  return releasing
}

/** After a rebalance: hands on or drops what was buffered for units whose fate is now known. */
function settleBuffers(o: Ownership): void {
  for (const unit of o.parts.buffers.units()) {
    const phase = o.units.get(unit)?.phase
    if (phase === 'active') o.parts.buffers.flush(unit)
    else if (phase !== 'awaiting') o.counts.overlap += o.parts.buffers.discard(unit)
  }
}

/** Gives up the due units: unsubscribe, catch up, send their state; true if others are due later. */
async function releaseDue(o: Ownership): Promise<boolean> {
  const { units, parts, deps } = o
  const now = Date.now()
  const due = [...units].filter(([, st]) => st.phase === 'releasing' && st.at <= now)
  const later = [...units.values()].some((st) => st.phase === 'releasing' && st.at > now)
  for (const [unit] of due) units.delete(unit)
  await parts.subscriptions.unsubscribeUnwanted(units.keys(), o.state.solo)
  await deps.hop().caughtUp(2000)
  const sends: Promise<void>[] = []
  for (const [unit] of due) {
    const to = o.ownerNow(unit)
    if (to === parts.self || to === undefined) {
      units.set(unit, { phase: 'active' })
      continue
    }
    for (const key of parts.sensorsOf(unit)) deps.hop().forgetSensor(key)
    deps.log.debug({ unit, to }, 'handing a unit over')
    // Taken now, sent together: the outbound hop keeps them in order, `maxInFlight` at a time.
    sends.push(parts.handover.send(unit, to, deps.group.members.generation))
  }
  await Promise.all(sends)
  return later
}

/** Periodic work: states that did not come, registry records, early states, checkpoints. */
function tick(o: Ownership): void {
  const now = Date.now()
  for (const [unit, st] of o.units) {
    if (st.phase === 'awaiting' && st.deadline <= now) {
      o.units.set(unit, { phase: 'active' })
      o.parts.handover.timedOut(unit, st.from)
    }
  }
  o.parts.announcer.publishDirty()
  o.parts.handover.expire(now)
  o.parts.checkpoints.tick(now, () =>
    [...o.units].filter(([, s]) => s.phase === 'active').map(([u]) => u),
  )
}

/** The samples of a batch to hand on now (see {@link SensorGroup.admit}). */
function admitBatch(
  o: Ownership,
  key: string,
  samples: Sample[],
  batch: HandleBatch,
  rebalance: () => void,
): Sample[] {
  const { parts } = o
  const unit = o.unitOf(key)
  if (parts.registry.see(key)) {
    parts.announcer.announce(key)
    if (!o.state.solo) rebalance()
  }
  const st = o.units.get(unit)
  if (st === undefined && o.state.solo) o.units.set(unit, { phase: 'active' })
  else if (st === undefined) {
    batch.drop('handover', samples.length)
    return []
  } else if (st.phase === 'awaiting') {
    parts.buffers.buffer(unit, key, samples, batch)
    return []
  }
  const { fresh, duplicates } = parts.positions.admit(key, samples)
  if (duplicates > 0) {
    o.counts.overlap += duplicates
    batch.drop('handover', duplicates)
  }
  if (fresh[0] !== undefined) parts.checkpoints.countLost(key, positionOf(fresh[0]))
  return fresh
}

/** The `group` section of the metrics. */
function groupMetrics(o: Ownership): GroupMetrics {
  const { group } = o.deps
  const { counts, parts } = o
  return {
    group: group.name,
    generation: group.members.generation,
    members: group.members.members.map((m) => ({ instance: m.instance, weight: m.weight })),
    units: knownUnits(parts.registry, o.units.keys(), o.unitOf).size,
    owned: o.units.size,
    rebalances: counts.rebalances,
    handovers: { ...parts.handover.counts },
    ...(counts.lastHandoverMs === undefined ? {} : { lastHandoverMs: counts.lastHandoverMs }),
    overlap: counts.overlap + parts.buffers.overlap,
    lost: parts.checkpoints.lost,
  }
}

/** Creates the ownership record of one member. */
function createOwnership(deps: SensorGroupDeps): Ownership {
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
  return {
    deps,
    parts,
    units,
    state,
    counts,
    knownBefore: new Set(),
    unitOf: (key) => (deps.unitKind === 'sensor' ? key : (parseSensorKey(key)?.device ?? key)),
    ownerNow: (unit) => (state.solo ? parts.self : ownerOf(unit, asRendezvous(state.members))),
  }
}

/** Creates the sensor group of one instance (see the module note). */
export function createSensorGroup(deps: SensorGroupDeps): SensorGroup {
  const o = createOwnership(deps)
  const { units, state, parts } = o
  let releaseTimer: NodeJS.Timeout | undefined

  function scheduleRelease(delayMs: number): void {
    clearTimeout(releaseTimer)
    releaseTimer = setTimeout(() => {
      void releaseDue(o).then((later) => later && scheduleRelease(TICK_MS))
    }, delayMs)
    releaseTimer.unref()
  }

  /** Recomputes ownership after a membership or registry change. */
  function rebalance(change: MembershipChange | undefined): Promise<void> {
    const now = Date.now()
    if (change !== undefined) {
      state.members = change.current.members
      state.solo = state.members.length <= 1
      o.counts.rebalances++
      state.rebalanceAt = now
    }
    deps.log.debug(
      { known: parts.registry.size, owned: units.size, solo: state.solo },
      'rebalancing',
    )
    if (assignUnits(o, change, now)) scheduleRelease(deps.overlapMs)
    o.knownBefore.clear()
    for (const u of knownUnits(parts.registry, units.keys(), o.unitOf)) o.knownBefore.add(u)
    settleBuffers(o)
    // Per-sensor filters first, then the wildcards go: a unit being released keeps its own filter.
    return parts.subscriptions
      .subscribeWanted(units.keys(), state.solo)
      .then(() => parts.subscriptions.unsubscribeUnwanted(units.keys(), state.solo))
  }

  deps.group.onChange(async (change) => {
    state.started = true
    await rebalance(change)
  })
  listenToGroup(deps, parts, () => {
    if (state.started) void rebalance(undefined)
  })
  // One timer for the ticks of every group in the process (shared-interval.ts).
  const stopTicker = everyInterval(TICK_MS, () => tick(o))

  return {
    admit: (key, samples, batch) =>
      admitBatch(o, key, samples, batch, () => void rebalance(undefined)),
    async leave() {
      stopTicker()
      const after = await deps.group.leave()
      if (after.members.length === 0 || units.size === 0) return
      state.members = after.members
      state.solo = false
      // The others take this one out after their settling time, then subscribe: overlap past that.
      await new Promise((resolve) => setTimeout(resolve, deps.settleMs + deps.overlapMs + TICK_MS))
      const now = Date.now()
      for (const unit of units.keys()) units.set(unit, { phase: 'releasing', at: now })
      await releaseDue(o)
      await parts.checkpoints.clear()
    },
    metrics: () => groupMetrics(o),
    startsSubscribed: deps.startsSubscribed,
  }
}
