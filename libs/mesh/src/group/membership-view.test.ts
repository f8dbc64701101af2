import { describe, expect, it } from 'vitest'
import { createMembershipView, type MemberRecord } from './membership-view.js'

const T0 = 1_000_000
const view = () =>
  createMembershipView({
    self: { instance: 'w1', weight: 1, epoch: T0 },
    settleMs: 500,
    graceMs: 10_000,
    now: T0,
  })
const rec = (instance: string, online = true, epoch = T0, weight = 1): MemberRecord => ({
  instance,
  online,
  weight,
  epoch,
})
const ids = (v: ReturnType<typeof view>) => v.applied.members.map((m) => m.instance)

describe('membership view', () => {
  it('applies the first list of an instance that sees no other member after 100 ms', () => {
    const v = view()
    expect(v.poll(T0 + 50)).toBeUndefined()
    expect(v.poll(T0 + 120)?.members.map((m) => m.instance)).toEqual(['w1'])
  })

  it('applies the first list one settling time after start, with the members already running', () => {
    const v = view()
    v.observe(rec('w2'), T0 + 10)
    expect(v.poll(T0 + 200)).toBeUndefined()
    expect(v.poll(T0 + 520)?.generation).toBe(1)
    expect(ids(v)).toEqual(['w1', 'w2'])
  })

  it('applies members starting together as one change', () => {
    const v = view()
    v.poll(T0 + 600)
    v.observe(rec('w2'), T0 + 1000)
    expect(v.poll(T0 + 1200)).toBeUndefined()
    v.observe(rec('w3'), T0 + 1300)
    expect(v.poll(T0 + 1600)).toBeUndefined()
    expect(v.poll(T0 + 1800)?.generation).toBe(2)
    expect(ids(v)).toEqual(['w1', 'w2', 'w3'])
  })

  it('takes out a member whose offline status (graceful or its will) arrives', () => {
    const v = view()
    v.observe(rec('w2'), T0)
    v.poll(T0 + 600)
    v.observe(rec('w2', false), T0 + 1000)
    expect(v.poll(T0 + 1600)?.members.map((m) => m.instance)).toEqual(['w1'])
  })

  it('ignores a record of an older incarnation (a late will, a stale retained status)', () => {
    const v = view()
    v.observe(rec('w2', true, T0 + 50), T0)
    v.poll(T0 + 600)
    v.observe(rec('w2', false, T0), T0 + 1000)
    expect(v.poll(T0 + 2000)).toBeUndefined()
    expect(ids(v)).toEqual(['w1', 'w2'])
  })

  it('changes nothing while disconnected, and keeps members through a broker restart', () => {
    const v = view()
    v.observe(rec('w2'), T0)
    v.poll(T0 + 600)
    v.connection(false, T0 + 1000)
    expect(v.poll(T0 + 5000)).toBeUndefined()
    v.connection(true, T0 + 6000)
    expect(v.poll(T0 + 7000)).toBeUndefined()
    v.observe(rec('w2'), T0 + 8000)
    expect(v.poll(T0 + 20_000)).toBeUndefined()
    expect(ids(v)).toEqual(['w1', 'w2'])
  })

  it('takes out, after the grace, a member not heard from since a reconnect', () => {
    const v = view()
    v.observe(rec('w2'), T0)
    v.poll(T0 + 600)
    v.connection(false, T0 + 1000)
    v.connection(true, T0 + 2000)
    expect(v.poll(T0 + 11_000)).toBeUndefined()
    expect(v.poll(T0 + 12_100)).toBeUndefined()
    expect(v.poll(T0 + 12_700)?.members.map((m) => m.instance)).toEqual(['w1'])
  })

  it('leaves at once, applying the list without itself', () => {
    const v = view()
    v.observe(rec('w2'), T0)
    v.poll(T0 + 600)
    const after = v.leave(T0 + 700)
    expect(after.members.map((m) => m.instance)).toEqual(['w2'])
    expect(after.generation).toBe(2)
  })

  it('sees a weight change as a change', () => {
    const v = view()
    v.observe(rec('w2'), T0)
    v.poll(T0 + 600)
    v.observe(rec('w2', true, T0, 3), T0 + 1000)
    expect(v.poll(T0 + 1600)?.members).toContainEqual({ instance: 'w2', weight: 3 })
  })
})
