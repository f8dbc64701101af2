/**
 * @module group/group-runtime
 * A service instance's place in its group, on the message system (DESIGN.md §12, issue 13): it reads the
 * retained statuses of the service's instances (the member records: each instance's status carries its
 * group, weight and epoch, and its last will says `offline`), feeds them to the membership view
 * (membership-view.ts), and tells its listeners each member list it applies. It also carries the
 * group's other control messages (sensor registry, handovers, progress checkpoints) on one inbound hop,
 * `group`, with its own queue and metrics, and routes them by kind.
 *
 * The runtime makes it lazily, when a service first asks for its group: a service that shares nothing
 * subscribes to nothing more.
 */
import { decodeStatus, parseTopic, statusFilter, type GroupTopic } from '@sluice/contract'
import { createSampledLog, type MeshLogger } from '../logger.js'
import { everyInterval } from '../shared-interval.js'
import type { InboundHop, InboundHopSpec } from '../hop/inbound-hop.js'
import type { Transport } from '../transport/transport.js'
import {
  createMembershipView,
  type AppliedMembers,
  type GroupMember,
  type MembershipView,
} from './membership-view.js'

/** One control message of the group: its kind, who published it, its id (device, addressee, chunk). */
export interface GroupMessage {
  readonly kind: 'status' | GroupTopic['kind']
  readonly instance: string
  readonly id: string
  readonly payload: Uint8Array
}

/** A change of the member list: the list applied now and the one before. */
export interface MembershipChange {
  readonly current: AppliedMembers
  readonly previous: AppliedMembers
  /**
   * Instances that said `offline` since the last list: `true` for a graceful leave (their units come
   * with their state), `false` for a last will (a crash: their units start fresh).
   */
  readonly departed: ReadonlyMap<string, boolean>
}

/** The group runtime of one instance. */
export interface GroupRuntime {
  /** The group's name. */
  readonly name: string
  /** This instance. */
  readonly self: GroupMember & { readonly epoch: number }
  /** The member list applied last (this instance alone before the first). */
  readonly members: AppliedMembers
  /**
   * Resolves once the first member list is applied (one settling time after the connection) and the
   * listeners have acted on it (e.g. subscribed to what this instance owns).
   */
  readonly ready: Promise<AppliedMembers>
  /** Calls `fn` on every member list applied; a promise it returns holds `ready` the first time. */
  onChange(fn: (change: MembershipChange) => void | Promise<void>): void
  /**
   * Hands the control messages of `kind` on `filter` to `fn`. Before {@link GroupRuntime.open} the
   * filter joins the control hop's initial subscriptions; after, it is subscribed at once.
   */
  listen(
    kind: GroupTopic['kind'],
    filter: string,
    fn: (message: GroupMessage) => void,
  ): Promise<void>
  /** Declares the control hop (the runtime calls it once, before connecting). */
  open(): void
  /**
   * Starts watching the members, once the control hop has subscribed (the runtime calls it then): the
   * retained statuses come right after the subscription, and the first settling time starts here.
   */
  begin(): void
  /**
   * A graceful leave: publishes the `offline` status (the other members take this one out) and
   * returns the member list without this instance, where its units go.
   */
  leave(): Promise<AppliedMembers>
  /** Stops the timers. */
  close(): void
}

/** What the group runtime needs of the service runtime. */
export interface GroupRuntimeDeps {
  readonly prefix: string
  readonly service: string
  readonly group: string
  readonly self: GroupMember & { readonly epoch: number }
  readonly transport: Transport
  readonly settleMs: number
  readonly graceMs: number
  readonly log: MeshLogger
  /** Declares the control hop. */
  inbound(spec: InboundHopSpec<GroupMessage>): InboundHop<GroupMessage>
  /** Publishes this instance's retained `offline` status. */
  publishOffline(): Promise<void>
  /** Clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
}

/** How often the membership view is polled (ms). */
const POLL_MS = 100

/** The control hop's decoder: status and group topics of the prefix, anything else rejected. */
function decodeGroupMessage(prefix: string, topic: string, payload: Uint8Array) {
  const parsed = parseTopic(prefix, topic)
  if (parsed?.kind === 'status') {
    return [{ kind: 'status' as const, instance: parsed.instance, id: '', payload }]
  }
  if (parsed?.kind === 'sensors' || parsed?.kind === 'handover' || parsed?.kind === 'progress') {
    return [{ kind: parsed.kind, instance: parsed.instance, id: parsed.id, payload }]
  }
  return { ok: false as const, error: new Error(`not a group topic: ${topic}`) }
}

/** Creates the group runtime (see the module note). */
export function createGroupRuntime(deps: GroupRuntimeDeps): GroupRuntime {
  const now = deps.now ?? Date.now
  let view: MembershipView | undefined
  const listeners: ((change: MembershipChange) => void | Promise<void>)[] = []
  const handlers = new Map<GroupMessage['kind'], (message: GroupMessage) => void>()
  const filters = [statusFilter(deps.prefix, deps.service)]
  const departed = new Map<string, boolean>()
  const warnBad = createSampledLog(deps.log, 'warn', 100)
  let hop: InboundHop<GroupMessage> | undefined
  let stopPolling: (() => void) | undefined
  let offEvents: (() => void) | undefined
  let resolveReady: (m: AppliedMembers) => void = () => undefined
  const ready = new Promise<AppliedMembers>((resolve) => (resolveReady = resolve))
  const initial: AppliedMembers = {
    members: [{ instance: deps.self.instance, weight: deps.self.weight }],
    generation: 0,
  }

  const createView = (): MembershipView =>
    createMembershipView({
      self: deps.self,
      settleMs: deps.settleMs,
      graceMs: deps.graceMs,
      now: now(),
    })

  handlers.set('status', (m) => {
    // A retained status can be handled just before `begin`: it comes right after the subscription.
    view ??= createView()
    if (m.payload.length === 0) return
    const r = decodeStatus(m.payload)
    if (!r.ok) {
      warnBad({ instance: m.instance, err: r.error }, 'a member status does not decode')
      return
    }
    const s = r.value
    if ((s.group ?? deps.service) !== deps.group) return
    const online = s.state === 'online'
    if (!online) departed.set(m.instance, s.leaving === true)
    view.observe(
      { instance: m.instance, online, weight: s.weight ?? 1, epoch: s.epoch ?? s.since },
      now(),
    )
  })

  function poll(): void {
    if (view === undefined) return
    const previous = view.applied
    const current = view.poll(now())
    if (current === undefined) return
    const change = { current, previous, departed: new Map(departed) }
    departed.clear()
    deps.log.info(
      { group: deps.group, generation: current.generation, members: current.members },
      'group members changed',
    )
    const acted = Promise.allSettled(listeners.map(async (fn) => fn(change)))
    if (previous.generation === 0) void acted.then(() => resolveReady(current))
  }

  return {
    name: deps.group,
    self: deps.self,
    get members() {
      return view?.applied ?? initial
    },
    ready,
    onChange: (fn) => void listeners.push(fn),
    async listen(kind, filter, fn) {
      handlers.set(kind, fn)
      if (hop === undefined) filters.push(filter)
      else await hop.subscribe(filter)
    },
    open() {
      hop = deps.inbound({
        name: 'group',
        qos: 1,
        // Control messages are few and must not be lost: wait for room rather than drop.
        queue: { capacity: 100_000, policy: 'block' },
        filters,
        key: (topic) => topic,
        maxAheadMs: 0,
        decode: (topic, payload) => decodeGroupMessage(deps.prefix, topic, payload),
        handle: (_key, items) => {
          for (const item of items) handlers.get(item.kind)?.(item)
        },
      })
      offEvents = deps.transport.onEvent((e) => {
        if (e.type === 'connect') view?.connection(true, now())
        else if (e.type === 'disconnect') view?.connection(false, now())
      })
    },
    begin() {
      view ??= createView()
      // One timer for the polls of every group in the process (shared-interval.ts).
      stopPolling ??= everyInterval(POLL_MS, poll)
    },
    async leave() {
      const applied = view?.leave(now()) ?? { members: [], generation: 1 }
      await deps.publishOffline()
      return applied
    },
    close() {
      stopPolling?.()
      offEvents?.()
    },
  }
}
