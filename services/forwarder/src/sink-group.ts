/**
 * @module sink-group
 * The forwarder's sinks shared by the instances of its group (DESIGN.md §12, issue 13 item 5): a sink's
 * data goes to one instance at a time, by the assignment windowing uses for its sensors. The units are
 * the configured sinks, by name; every member computes `ownerOf(sink, members)` (weighted rendezvous
 * hashing, `@sluice/stream`) over the same member list, so they agree without talking, and a join moves
 * only the sinks the joiner takes. A lone member owns every sink: the forwarder as it always was.
 *
 * **Subscriptions follow ownership** through the one inbound hop's own `subscribe`/`unsubscribe`: its
 * filters are the union of the topics of the sinks this instance takes, so a filter two sinks share is
 * held while either is taken. A per-sink hop would subscribe the same filter once per sink and decode
 * every message as often; per-item filtering alone would keep the broker sending every instance
 * everything. Since filters are shared, the handler still asks {@link SinkGroup.takes} for each sink.
 * The hop starts with every sink's filters, so that a persistent session's backlog finds it, and stays
 * paused (`resumeByOwner`, its flow control intact) until the first member list says which sinks are
 * this instance's; that list then drops the filters of the sinks owned elsewhere.
 *
 * **Moves.** A sink that moves away keeps being taken for `overlapMs` after this instance applied the
 * new list, so that nothing falls between the old owner and the new one, which takes it at once. Then
 * this instance drops the filters no sink it takes needs, and stops taking the sink only once its hop
 * has handled what it had queued by then: whether an item is taken is decided when it is handled, and
 * what arrived before the new owner subscribed must not be let go of. Its spool is its own: the sink's
 * hop keeps sending what is spooled until it is empty, and nothing is handed over (so `handovers` stay
 * 0). Around a move both instances may send the same items: duplicates, harmless where the sink is
 * idempotent (DESIGN.md §9), never loss. A graceful leave waits until the others have settled on the
 * list without it and subscribed, plus `overlapMs`, and keeps taking its sinks until its intake stops.
 */
import type { GroupMetrics } from '@sluice/contract'
import type { MeshLogger } from '@sluice/mesh'
import { ownerOf } from '@sluice/stream'

/** A member of the group, as the group runtime lists it. */
export interface SinkGroupMember {
  readonly instance: string
  readonly weight: number
}

/** A member list applied by the group runtime, with its generation. */
export interface SinkGroupMembers {
  readonly members: readonly SinkGroupMember[]
  readonly generation: number
}

/** What the sink group needs of the group runtime (`ctx.joinGroup()` provides it). */
export interface SinkGroupMembership {
  readonly name: string
  readonly self: { readonly instance: string }
  readonly members: SinkGroupMembers
  onChange(fn: (change: { readonly current: SinkGroupMembers }) => void | Promise<void>): void
  leave(): Promise<SinkGroupMembers>
}

/** What the sink group needs of the inbound hop: its run-time subscriptions, its queue, its start. */
export interface SinkGroupSubscriptions {
  /** Starts handing items on (the hop is declared with `resumeByOwner`). */
  resume(): void
  subscribe(filter: string): Promise<void>
  unsubscribe(filter: string): Promise<void>
  /** Resolves once what is queued now has been handed to the handler (true), or after `timeoutMs`. */
  caughtUp(timeoutMs: number): Promise<boolean>
}

/** A sink as the group sees it: its name (the unit) and the MQTT filters of its topic selection. */
export interface GroupedSink {
  readonly name: string
  readonly filters: readonly string[]
}

/** What {@link createSinkGroup} needs. */
export interface SinkGroupDeps {
  readonly group: SinkGroupMembership
  readonly sinks: readonly GroupedSink[]
  /** The inbound hop (declared after the sink group, hence a function). */
  readonly hop: () => SinkGroupSubscriptions
  /** Filters the hop holds from its start (the union of every sink's, see the service). */
  readonly initialFilters: readonly string[]
  /** How long a sink moving away is still taken (config `scaleOut.overlapMs`). */
  readonly overlapMs: number
  /** How long the others take to act on a member list (config `scaleOut.settleMs`). */
  readonly settleMs: number
  readonly log: MeshLogger
  /** Clock (ms). Default `Date.now`. */
  readonly now?: () => number
}

/** The sink group of one forwarder instance. */
export interface SinkGroup {
  /** True while this instance takes new items for `sink` (it owns it, or is still releasing it). */
  takes(sink: string): boolean
  /**
   * A graceful leave: tells the group, and resolves once the others have taken the sinks over
   * (`settleMs + overlapMs`); the sinks stay taken here until the intake stops.
   */
  leave(): Promise<void>
  /** The `group` section of the metrics. */
  metrics(): GroupMetrics
  /** Stops the timers. */
  close(): void
}

/**
 * The sinks `self` owns under `members`: weighted rendezvous hashing on the sink's name.
 *
 * @example
 * ```ts
 * ownedSinks(['influx', 'file'], [{ instance: 'f1', weight: 1 }], 'f1') // Set { 'influx', 'file' }
 * ```
 */
export function ownedSinks(
  sinks: readonly string[],
  members: readonly SinkGroupMember[],
  self: string,
): Set<string> {
  const candidates = members.map((m) => ({ id: m.instance, weight: m.weight }))
  return new Set(sinks.filter((s) => ownerOf(s, candidates) === self))
}

/**
 * Taken because owned; still taken during the overlap of a move away (`releasing`); still taken while
 * the hop hands on what it queued before its filters were dropped (`draining`).
 */
type SinkPhase =
  | { readonly phase: 'taking' }
  | { readonly phase: 'releasing'; readonly until: number }
  | { readonly phase: 'draining' }

/** Longest wait for the inbound hop to hand on what it queued before a sink is let go of. */
const CATCH_UP_MS = 5000

/** The filters of the sinks owned or in their overlap. */
function wantedFilters(
  sinks: readonly GroupedSink[],
  phases: ReadonlyMap<string, SinkPhase>,
): Set<string> {
  const wanted = sinks.filter((s) => {
    const st = phases.get(s.name)
    return st !== undefined && st.phase !== 'draining'
  })
  return new Set(wanted.flatMap((s) => s.filters))
}

/**
 * Subscribes to the filters wanted and not held, and drops those held and no longer wanted; `held` is
 * updated at once, and a filter whose subscription failed is taken out of it again.
 */
async function syncSubscriptions(
  hop: SinkGroupSubscriptions,
  wanted: ReadonlySet<string>,
  held: Set<string>,
  log: MeshLogger,
): Promise<void> {
  const missing = [...wanted].filter((f) => !held.has(f))
  const extra = [...held].filter((f) => !wanted.has(f))
  for (const f of missing) held.add(f)
  for (const f of extra) held.delete(f)
  await Promise.all([
    ...missing.map((f) =>
      hop.subscribe(f).catch((err: unknown) => {
        held.delete(f)
        log.warn({ err, filter: f }, 'could not subscribe for a sink this instance owns')
      }),
    ),
    ...extra.map((f) =>
      hop.unsubscribe(f).catch((err: unknown) => {
        log.warn({ err, filter: f }, 'could not unsubscribe for a sink given up')
      }),
    ),
  ])
}

/**
 * Applies a new set of owned sinks to their phases: an owned sink is taken, and one taken but no longer
 * owned starts releasing until `releaseUntil()`. Returns whether any started releasing.
 */
function applyOwnership(
  sinks: readonly GroupedSink[],
  phases: Map<string, SinkPhase>,
  owned: ReadonlySet<string>,
  releaseUntil: () => number,
  log: MeshLogger,
): boolean {
  let releasing = false
  for (const { name } of sinks) {
    const st = phases.get(name)
    if (owned.has(name)) {
      if (st?.phase !== 'taking') log.info({ sink: name }, 'sink owned by this instance now')
      phases.set(name, { phase: 'taking' })
    } else if (st?.phase === 'taking') {
      phases.set(name, { phase: 'releasing', until: releaseUntil() })
      releasing = true
    }
  }
  return releasing
}

/** The sinks whose overlap is over at `t`, and when the next one's ends (`Infinity`: none left). */
function dueReleases(
  phases: ReadonlyMap<string, SinkPhase>,
  t: number,
): { due: string[]; next: number } {
  const due = [...phases].filter(([, st]) => st.phase === 'releasing' && st.until <= t)
  const next = Math.min(
    ...[...phases.values()].map((st) =>
      st.phase === 'releasing' && st.until > t ? st.until : Infinity,
    ),
  )
  return { due: due.map(([sink]) => sink), next }
}

/** Unref'd timers, all cleared at once on close. */
function createTimers() {
  const timers = new Set<NodeJS.Timeout>()
  return {
    later(fn: () => void, ms: number): void {
      const timer = setTimeout(() => {
        timers.delete(timer)
        fn()
      }, ms)
      timer.unref()
      timers.add(timer)
    },
    clear(): void {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}

/** The `group` section of the metrics. */
function sinkGroupMetrics(
  group: SinkGroupMembership,
  sinks: readonly GroupedSink[],
  phases: ReadonlyMap<string, SinkPhase>,
  rebalances: number,
): GroupMetrics {
  const applied = group.members
  return {
    group: group.name,
    generation: applied.generation,
    members: applied.members.map((m) => ({ instance: m.instance, weight: m.weight })),
    units: sinks.length,
    owned: [...phases.values()].filter((st) => st.phase === 'taking').length,
    rebalances,
    // A sink's spool stays with its instance and drains there: nothing is handed over.
    handovers: { sent: 0, received: 0, fresh: 0 },
    overlap: 0,
    lost: 0,
  }
}

/** Creates the sink group (see the module note). */
export function createSinkGroup(deps: SinkGroupDeps): SinkGroup {
  const { group, sinks, log } = deps
  const now = deps.now ?? Date.now
  const self = group.self.instance
  const phases = new Map<string, SinkPhase>()
  const held = new Set(deps.initialFilters)
  const timers = createTimers()
  const counts = { rebalances: 0 }
  let known = false
  let leaving = false

  const sync = (): Promise<void> =>
    syncSubscriptions(deps.hop(), wantedFilters(sinks, phases), held, log)

  /**
   * Lets go of the sinks whose overlap is over: drops their filters, waits until the hop has handed on
   * what it queued before, then stops taking them (unless they came back meanwhile).
   */
  async function releaseDue(): Promise<void> {
    const t = now()
    const { due, next } = dueReleases(phases, t)
    // A timer may fire a little before the wall clock says it is time (or a later move set a later
    // end): look again then.
    if (next !== Infinity) timers.later(() => void releaseDue(), Math.max(1, next - t))
    if (due.length === 0) return
    for (const sink of due) phases.set(sink, { phase: 'draining' })
    await sync()
    await deps.hop().caughtUp(CATCH_UP_MS)
    for (const sink of due) {
      if (phases.get(sink)?.phase !== 'draining') continue
      phases.delete(sink)
      log.info({ sink }, 'sink moved to another instance; its spool drains here')
    }
  }

  /** Recomputes what this instance takes after a change of the member list. */
  function rebalance(current: SinkGroupMembers): Promise<void> {
    counts.rebalances++
    const owned = ownedSinks(
      sinks.map((s) => s.name),
      current.members,
      self,
    )
    const releaseUntil = (): number => now() + deps.overlapMs
    const releasing = applyOwnership(sinks, phases, owned, releaseUntil, log)
    if (!known) {
      known = true
      // Resumed before the subscriptions change: a full queue that withholds acknowledgements stops
      // the transport reading, SUBACKs included, so waiting for them first could wait for ever.
      deps.hop().resume()
    }
    if (releasing) timers.later(() => void releaseDue(), deps.overlapMs)
    return sync()
  }

  group.onChange((change) => (leaving ? undefined : rebalance(change.current)))

  return {
    takes: (sink) => phases.has(sink),
    async leave() {
      leaving = true
      // A lone member has nobody to give its sinks to: its stop says `offline` as any service's does.
      if (group.members.members.every((m) => m.instance === self)) return
      const after = await group.leave()
      if (after.members.length === 0 || phases.size === 0) return
      // The others apply the list without this instance after their settling time, then subscribe:
      // the intake goes on for the overlap past that, so that no item falls between (DESIGN.md §12).
      // The sinks stay taken: what the hop still holds when its intake stops is spooled here.
      await new Promise((resolve) => setTimeout(resolve, deps.settleMs + deps.overlapMs))
    },
    metrics: () => sinkGroupMetrics(group, sinks, phases, counts.rebalances),
    close() {
      timers.clear()
    },
  }
}
