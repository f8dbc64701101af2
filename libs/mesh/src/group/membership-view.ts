/**
 * @module group/membership-view
 * Who is in a group, as one member sees it (DESIGN.md §12, issue 13). The records come from the broker:
 * each instance's retained status (`online`, or `offline` when it stops or, as its last will, when it
 * dies), with its group, weight and **epoch** (when that incarnation started). This view turns them into
 * the member list the assignment is computed from, without flapping:
 * - **Epochs.** A record older than one already seen for the same instance is stale (a retained message
 *   of an earlier incarnation, or a will that fired after the instance came back) and is ignored.
 * - **Settling (debounce).** A change is applied once the wanted list has stayed the same for
 *   `settleMs`, so instances started together cause one rebalance, not one each. The first list of an
 *   instance that sees no other member is applied after 100 ms: a lone instance starts at once.
 * - **Frozen while disconnected.** A broker outage says nothing about the members; nothing changes
 *   while this member is cut off.
 * - **Grace after a reconnect.** A broker that restarted has lost its retained statuses; members
 *   republish theirs as they reconnect. A member not heard from since this member's reconnect stays in
 *   the list for `graceMs` before it is taken out: a broker restart moves nothing.
 * An explicit `offline` (a graceful stop, or the will of a crash) takes the member out after `settleMs`.
 * The generation counts the lists applied.
 */

/**
 * How long an instance that sees no other member waits before its first list: the retained statuses of
 * the members running come right after its subscription, well within this.
 */
const FIRST_ALONE_MS = 100

/** A member as the assignment needs it. */
export interface GroupMember {
  readonly instance: string
  readonly weight: number
}

/** One member's status record, as read from the broker. */
export interface MemberRecord {
  readonly instance: string
  readonly online: boolean
  readonly weight: number
  readonly epoch: number
}

/** Options of {@link createMembershipView}. */
export interface MembershipViewOptions {
  /** This member. */
  readonly self: GroupMember & { readonly epoch: number }
  /** How long the wanted list must stay unchanged before it is applied (ms). */
  readonly settleMs: number
  /** How long a member not heard from since a reconnect is kept (ms). */
  readonly graceMs: number
  /** The time the view starts (ms). */
  readonly now: number
}

/** A member list applied, with its generation. */
export interface AppliedMembers {
  readonly members: readonly GroupMember[]
  readonly generation: number
}

/** The membership view of one member. */
export interface MembershipView {
  /** Takes a status record of this group. */
  observe(record: MemberRecord, now: number): void
  /** Tells the view whether this member is connected to the broker. */
  connection(connected: boolean, now: number): void
  /**
   * Applies the wanted list if it has settled and differs from the applied one; returns it then, and
   * `undefined` otherwise. The first call after `settleMs` always applies (generation 1).
   */
  poll(now: number): AppliedMembers | undefined
  /** The list applied last (only this member before the first apply). */
  readonly applied: AppliedMembers
  /**
   * A graceful leave: applies the list without this member at once (where its units go) and keeps
   * this member out from now on.
   */
  leave(now: number): AppliedMembers
}

interface Heard {
  online: boolean
  weight: number
  epoch: number
  at: number
}

const sameList = (a: readonly GroupMember[], b: readonly GroupMember[]): boolean =>
  a.length === b.length &&
  a.every((m, i) => m.instance === b[i]?.instance && m.weight === b[i]?.weight)

/**
 * Creates the membership view of `options.self` (see the module note).
 *
 * @example
 * ```ts
 * const view = createMembershipView({ self: { instance: 'w1', weight: 1, epoch: t0 }, settleMs: 500, graceMs: 10_000, now: t0 })
 * view.observe({ instance: 'w2', online: true, weight: 1, epoch: t1 }, now)
 * view.poll(now + 500)?.members // [{ instance: 'w1', … }, { instance: 'w2', … }]
 * ```
 */
export function createMembershipView(options: MembershipViewOptions): MembershipView {
  const { self, settleMs, graceMs } = options
  const heard = new Map<string, Heard>()
  let connected = true
  let reconnectedAt: number | undefined
  let leaving = false
  let wanted: GroupMember[] = [{ instance: self.instance, weight: self.weight }]
  let wantedSince = options.now
  let applied: AppliedMembers = { members: wanted, generation: 0 }

  function computeWanted(now: number): GroupMember[] {
    const list: GroupMember[] = leaving ? [] : [{ instance: self.instance, weight: self.weight }]
    for (const [instance, h] of heard) {
      if (instance === self.instance || !h.online) continue
      const silentSinceReconnect = reconnectedAt !== undefined && h.at < reconnectedAt
      if (silentSinceReconnect && now - (reconnectedAt ?? now) >= graceMs) continue
      list.push({ instance, weight: h.weight })
    }
    return list.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0))
  }

  function refresh(now: number): void {
    const next = computeWanted(now)
    if (!sameList(next, wanted)) {
      wanted = next
      wantedSince = now
    }
  }

  return {
    observe(record, now) {
      if (record.instance === self.instance) return
      const prev = heard.get(record.instance)
      if (prev !== undefined && record.epoch < prev.epoch) return
      heard.set(record.instance, {
        online: record.online,
        weight: record.weight,
        epoch: record.epoch,
        at: now,
      })
      refresh(now)
    },
    connection(up, now) {
      if (up && !connected) reconnectedAt = now
      connected = up
      refresh(now)
    },
    poll(now) {
      if (!connected) return undefined
      refresh(now)
      // At start, wait one settling time for the retained records of the members already running; an
      // instance that sees no other member (they come right after its subscription) waits less.
      const first = applied.generation === 0
      const settle = first && wanted.length === 1 ? Math.min(settleMs, FIRST_ALONE_MS) : settleMs
      if (now - options.now < settle || now - wantedSince < settle) return undefined
      if (applied.generation > 0 && sameList(wanted, applied.members)) return undefined
      applied = { members: wanted, generation: applied.generation + 1 }
      return applied
    },
    get applied() {
      return applied
    },
    leave(now) {
      leaving = true
      wanted = computeWanted(now)
      wantedSince = now
      applied = { members: wanted, generation: applied.generation + 1 }
      return applied
    },
  }
}
