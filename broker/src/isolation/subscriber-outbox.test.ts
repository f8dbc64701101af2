import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createDuplicateFilter } from './subscriber-outbox.js'

const packet = (brokerId: string | undefined, brokerCounter: number) => ({
  brokerId: brokerId as string,
  brokerCounter,
})

describe('createDuplicateFilter', () => {
  it('passes a packet the first time and refuses it after, per broker and counter', () => {
    const firstSight = createDuplicateFilter(32)
    expect(firstSight(packet('a', 1))).toBe(true)
    expect(firstSight(packet('a', 1))).toBe(false)
    // The same counter of another broker is another packet.
    expect(firstSight(packet('b', 1))).toBe(true)
    expect(firstSight(packet('b', 1))).toBe(false)
    expect(firstSight(packet('a', 2))).toBe(true)
  })

  it('always passes packets without a broker identity', () => {
    const firstSight = createDuplicateFilter(32)
    for (const id of [undefined, '']) {
      expect(firstSight(packet(id, 1))).toBe(true)
      expect(firstSight(packet(id, 1))).toBe(true)
    }
  })

  it('knows the last `window` counters of each broker: older ones pass again', () => {
    const firstSight = createDuplicateFilter(32)
    for (let c = 1; c <= 100; c++) expect(firstSight(packet('a', c))).toBe(true)
    // 69…100 are the last 32: known; 68 and before fell out of the window.
    for (let c = 69; c <= 100; c++) expect(firstSight(packet('a', c))).toBe(false)
    expect(firstSight(packet('a', 68))).toBe(true)
    // A jump past the whole window forgets everything before it.
    expect(firstSight(packet('a', 1000))).toBe(true)
    expect(firstSight(packet('a', 999))).toBe(true)
    expect(firstSight(packet('a', 999))).toBe(false)
  })

  it('takes packets out of counter order (a stored packet overtaken by later ones)', () => {
    const firstSight = createDuplicateFilter(64)
    expect(firstSight(packet('a', 10))).toBe(true)
    expect(firstSight(packet('a', 7))).toBe(true)
    expect(firstSight(packet('a', 12))).toBe(true)
    expect(firstSight(packet('a', 11))).toBe(true)
    for (const c of [7, 10, 11, 12]) expect(firstSight(packet('a', c))).toBe(false)
    expect(firstSight(packet('a', 8))).toBe(true)
    // 10 + 64 = 74 shares 10's bit: passed over on the way to 75, it is new, not 10 seen again.
    expect(firstSight(packet('a', 75))).toBe(true)
    expect(firstSight(packet('a', 74))).toBe(true)
    expect(firstSight(packet('a', 74))).toBe(false)
  })

  it('keeps the last four brokers seen', () => {
    const firstSight = createDuplicateFilter(32)
    for (const id of ['a', 'b', 'c', 'd']) expect(firstSight(packet(id, 1))).toBe(true)
    expect(firstSight(packet('a', 1))).toBe(false) // a is now the latest seen; b the oldest
    expect(firstSight(packet('e', 1))).toBe(true) // b is forgotten
    expect(firstSight(packet('b', 1))).toBe(true)
    for (const id of ['a', 'e', 'b']) expect(firstSight(packet(id, 1))).toBe(false)
  })

  it('refuses a window that is not a power of two', () => {
    expect(() => createDuplicateFilter(100)).toThrow(RangeError)
  })

  it('agrees with a model: a packet is refused exactly when seen before within its broker window', () => {
    const window = 32
    const step = fc.record({
      // Mostly one broker, so its window fills and wraps; the others now and then, to evict it.
      id: fc.oneof(
        { weight: 20, arbitrary: fc.constant('a') },
        fc.constantFrom('b', 'c', 'd', 'e'),
      ),
      // Forward, back (out of order) or a repeat, within about a window; now and then a long jump.
      move: fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: 30, max: 200 })),
    })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
        const firstSight = createDuplicateFilter(window)
        const model = new Map<string, { high: number; seen: Set<number> }>()
        for (const { id, move } of steps) {
          let m = model.get(id)
          if (m !== undefined) model.delete(id)
          else if (model.size === 4) model.delete(model.keys().next().value!)
          m ??= { high: 0, seen: new Set() }
          model.set(id, m)
          const counter = Math.max(1, m.high + move)
          const known = m.seen.has(counter) && counter > m.high - window
          m.seen.add(counter)
          m.high = Math.max(m.high, counter)
          expect(firstSight(packet(id, counter))).toBe(!known)
        }
      }),
    )
  })
})
