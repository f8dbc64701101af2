import { silentLogger } from '@sluice/mesh'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createSinkGroup,
  ownedSinks,
  type SinkGroup,
  type SinkGroupMember,
  type SinkGroupMembers,
  type SinkGroupMembership,
} from './sink-group.js'

const SINKS = ['influx', 'cloud', 'file-a', 'file-b', 'file-c', 'hook']
const member = (instance: string, weight = 1): SinkGroupMember => ({ instance, weight })

/** A group runtime whose member lists the test applies, and a hop that records its filters. */
function fakeGroup(self: string) {
  const listeners: ((c: { current: SinkGroupMembers }) => void | Promise<void>)[] = []
  let applied: SinkGroupMembers = { members: [member(self)], generation: 0 }
  const calls = { leave: 0 }
  const membership: SinkGroupMembership = {
    name: 'forwarder',
    self: { instance: self },
    get members() {
      return applied
    },
    onChange: (fn) => void listeners.push(fn),
    leave: () => {
      calls.leave++
      applied = {
        members: applied.members.filter((m) => m.instance !== self),
        generation: applied.generation + 1,
      }
      return Promise.resolve(applied)
    },
  }
  const filters = new Set<string>()
  // The hop's queue: `caughtUp` resolves when the test says the hop has handed on what it held.
  let catchUp: () => void = () => undefined
  const hop = {
    filters,
    behind: false,
    resumed: 0,
    resume: () => {
      hop.resumed++
    },
    subscribe: (f: string) => (filters.add(f), Promise.resolve()),
    unsubscribe: (f: string) => (filters.delete(f), Promise.resolve()),
    caughtUp: () =>
      hop.behind
        ? new Promise<boolean>((resolve) => (catchUp = () => resolve(true)))
        : Promise.resolve(true),
    catchUp: () => catchUp(),
  }
  const apply = async (...members: SinkGroupMember[]): Promise<void> => {
    applied = { members, generation: applied.generation + 1 }
    for (const fn of listeners) await fn({ current: applied })
  }
  return { membership, hop, apply, calls }
}

/** Sink `name` selects its own topic, plus the shared `windows` filter. */
const filtersOf = (name: string) => [`topic/${name}`, 'windows']

function setup(self: string, now?: () => number) {
  const g = fakeGroup(self)
  const initial = [...new Set(SINKS.flatMap(filtersOf))]
  for (const f of initial) g.hop.filters.add(f)
  const group = createSinkGroup({
    group: g.membership,
    sinks: SINKS.map((name) => ({ name, filters: filtersOf(name) })),
    hop: () => g.hop,
    initialFilters: initial,
    overlapMs: 400,
    settleMs: 300,
    log: silentLogger,
    ...(now === undefined ? {} : { now }),
  })
  return { ...g, group }
}

const taken = (group: SinkGroup): string[] => SINKS.filter((s) => group.takes(s))

describe('ownedSinks', () => {
  it('gives every sink to a lone member', () => {
    expect([...ownedSinks(SINKS, [member('f1')], 'f1')]).toEqual(SINKS)
  })

  it('gives every sink to exactly one of three members, the same on every member', () => {
    const members = [member('f1'), member('f2'), member('f3')]
    const shares = ['f1', 'f2', 'f3'].map((self) => ownedSinks(SINKS, members, self))
    for (const s of SINKS) expect(shares.filter((o) => o.has(s)).length, s).toBe(1)
    // Rendezvous hashing: the order of the member list does not matter.
    expect(ownedSinks(SINKS, [...members].reverse(), 'f2')).toEqual(shares[1])
  })

  it('moves only the sinks the joiner takes when a member joins', () => {
    const before = ownedSinks(SINKS, [member('f1'), member('f2')], 'f1')
    const after = ownedSinks(SINKS, [member('f1'), member('f2'), member('f3')], 'f1')
    const joiner = ownedSinks(SINKS, [member('f1'), member('f2'), member('f3')], 'f3')
    for (const s of before) if (!after.has(s)) expect(joiner.has(s), s).toBe(true)
    for (const s of after) expect(before.has(s), s).toBe(true)
  })
})

describe('createSinkGroup', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('takes nothing, its hop paused, until the first member list, then every sink when alone', async () => {
    const { group, apply, hop } = setup('f1')
    expect(taken(group)).toEqual([])
    expect(hop.resumed).toBe(0)
    await apply(member('f1'))
    expect(taken(group)).toEqual(SINKS)
    await apply(member('f1'))
    expect(hop.resumed).toBe(1)
    expect(hop.filters.size).toBe(SINKS.length + 1)
    expect(group.metrics()).toMatchObject({
      units: SINKS.length,
      owned: SINKS.length,
      rebalances: 2,
    })
  })

  it('subscribes a joiner only to the filters of the sinks it owns', async () => {
    const { group, apply, hop } = setup('f2')
    await apply(member('f1'), member('f2'))
    const mine = [...ownedSinks(SINKS, [member('f1'), member('f2')], 'f2')]
    expect(mine.length).toBeGreaterThan(0)
    expect(mine.length).toBeLessThan(SINKS.length)
    expect(taken(group)).toEqual(SINKS.filter((s) => mine.includes(s)))
    expect([...hop.filters].sort()).toEqual([...mine.map((s) => `topic/${s}`), 'windows'].sort())
    expect(group.metrics().owned).toBe(mine.length)
  })

  it('keeps taking a sink that moves away for overlapMs, then drops it and its filters', async () => {
    const { group, apply, hop } = setup('f1')
    await apply(member('f1'))
    await apply(member('f1'), member('f2'))
    const kept = ownedSinks(SINKS, [member('f1'), member('f2')], 'f1')
    const moved = SINKS.filter((s) => !kept.has(s))
    expect(moved.length).toBeGreaterThan(0)
    // Still taken during the overlap, so nothing falls between the old owner and the new one.
    expect(taken(group)).toEqual(SINKS)
    expect(group.metrics().owned).toBe(kept.size)
    await vi.advanceTimersByTimeAsync(399)
    expect(taken(group)).toEqual(SINKS)
    await vi.advanceTimersByTimeAsync(1)
    expect(taken(group)).toEqual(SINKS.filter((s) => kept.has(s)))
    for (const s of moved) expect(hop.filters.has(`topic/${s}`), s).toBe(false)
    for (const s of kept) expect(hop.filters.has(`topic/${s}`), s).toBe(true)
    expect(hop.filters.has('windows')).toBe(true)
  })

  it('lets go of a sink only once the hop has handed on what it queued before', async () => {
    const { group, apply, hop } = setup('f1')
    await apply(member('f1'))
    hop.behind = true
    await apply(member('f1'), member('f2'))
    const kept = ownedSinks(SINKS, [member('f1'), member('f2')], 'f1')
    await vi.advanceTimersByTimeAsync(1000)
    // The filters are dropped at the end of the overlap, but the sinks are taken until the hop caught up.
    for (const s of SINKS) expect(hop.filters.has(`topic/${s}`), s).toBe(kept.has(s))
    expect(taken(group)).toEqual(SINKS)
    hop.catchUp()
    await vi.advanceTimersByTimeAsync(0)
    expect(taken(group)).toEqual(SINKS.filter((s) => kept.has(s)))
  })

  it('lets go of a sink even when its timer fires before the clock says the overlap is over', async () => {
    let clock = 0
    const { group, apply } = setup('f1', () => clock)
    await apply(member('f1'))
    await apply(member('f1'), member('f2'))
    const kept = ownedSinks(SINKS, [member('f1'), member('f2')], 'f1')
    clock = 399
    await vi.advanceTimersByTimeAsync(400)
    expect(taken(group)).toEqual(SINKS)
    clock = 400
    await vi.advanceTimersByTimeAsync(1)
    expect(taken(group)).toEqual(SINKS.filter((s) => kept.has(s)))
  })

  it('takes a sink back at once when it returns during its overlap', async () => {
    const { group, apply } = setup('f1')
    await apply(member('f1'))
    await apply(member('f1'), member('f2'))
    await vi.advanceTimersByTimeAsync(200)
    await apply(member('f1'))
    await vi.advanceTimersByTimeAsync(1000)
    expect(taken(group)).toEqual(SINKS)
    expect(group.metrics()).toMatchObject({ owned: SINKS.length, rebalances: 3 })
  })

  it('takes the sinks of a member that leaves', async () => {
    const { group, apply } = setup('f1')
    await apply(member('f1'), member('f2'))
    expect(taken(group).length).toBeLessThan(SINKS.length)
    await apply(member('f1'))
    expect(taken(group)).toEqual(SINKS)
  })

  it('on a graceful leave waits for the others to settle and overlap, and keeps its sinks', async () => {
    const { group, apply, calls } = setup('f1')
    await apply(member('f1'), member('f2'))
    const mine = taken(group)
    expect(mine.length).toBeGreaterThan(0)
    let left = false
    const leaving = group.leave().then(() => (left = true))
    expect(calls.leave).toBe(1)
    await vi.advanceTimersByTimeAsync(699)
    expect(left).toBe(false)
    expect(taken(group)).toEqual(mine)
    await vi.advanceTimersByTimeAsync(1)
    await leaving
    // What the hop still holds when the intake stops is spooled here, not dropped.
    expect(taken(group)).toEqual(mine)
  })

  it('leaves at once, without a word to the group, when it is the last member', async () => {
    const { group, apply, calls } = setup('f1')
    await apply(member('f1'))
    await group.leave()
    // Nobody takes over: it keeps taking until its intake stops.
    expect(taken(group)).toEqual(SINKS)
    expect(calls.leave).toBe(0)
  })
})
