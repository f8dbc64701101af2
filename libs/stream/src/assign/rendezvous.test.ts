import { describe, expect, it } from 'vitest'
import { assignKeys, hash53, ownerOf, type RendezvousMember } from './rendezvous.js'

const sensors = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `dev-${Math.floor(i / 3)}/ch-${i % 3}`)
const members = (n: number): RendezvousMember[] =>
  Array.from({ length: n }, (_, i) => ({ id: `w${i + 1}` }))

function owners(keys: readonly string[], group: readonly RendezvousMember[]): Map<string, string> {
  return new Map(keys.map((k) => [k, ownerOf(k, group)!]))
}

describe('rendezvous hashing', () => {
  it('gives every key exactly one owner, the same whatever the order of the members', () => {
    const keys = sensors(300)
    const group = members(3)
    const a = owners(keys, group)
    const b = owners(keys, [...group].reverse())
    expect(a).toEqual(b)
    const counts = [...assignKeys(keys, group).values()].map((k) => k.length)
    expect(counts.reduce((x, y) => x + y, 0)).toBe(300)
  })

  it('balances 300 sensors over 3 equal members within max/mean 1.25', () => {
    const counts = [...assignKeys(sensors(300), members(3)).values()].map((k) => k.length)
    expect(Math.max(...counts) / 100).toBeLessThanOrEqual(1.25)
  })

  it('moves only keys to the joiner on a join (about 1/(n+1) of them)', () => {
    const keys = sensors(3000)
    const before = owners(keys, members(3))
    const after = owners(keys, members(4))
    let moved = 0
    for (const k of keys) {
      if (before.get(k) !== after.get(k)) {
        moved++
        expect(after.get(k)).toBe('w4')
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.2)
    expect(moved / keys.length).toBeLessThan(0.3)
  })

  it("moves only the leaver's keys on a leave", () => {
    const keys = sensors(1000)
    const before = owners(keys, members(4))
    const after = owners(keys, members(3))
    for (const k of keys) if (before.get(k) !== 'w4') expect(after.get(k)).toBe(before.get(k))
  })

  it('shares keys in proportion to the weights', () => {
    const keys = sensors(6000)
    const counts = assignKeys(keys, [
      { id: 'pi', weight: 1 },
      { id: 'laptop', weight: 3 },
    ])
    const share = counts.get('laptop')!.length / keys.length
    expect(share).toBeGreaterThan(0.72)
    expect(share).toBeLessThan(0.78)
  })

  it('has no owner for an empty group', () => {
    expect(ownerOf('a/b', [])).toBeUndefined()
  })

  it('hashes to 53 bits, stably and differently per seed', () => {
    expect(hash53('dev-1/temp')).toBe(hash53('dev-1/temp'))
    expect(hash53('dev-1/temp')).not.toBe(hash53('dev-1/temp', 1))
    expect(hash53('dev-1/temp')).toBeLessThan(2 ** 53)
    expect(Number.isSafeInteger(hash53('x'))).toBe(true)
  })
})
