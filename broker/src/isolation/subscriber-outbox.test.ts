import { describe, expect, it } from 'vitest'
import { createDuplicateFilter } from './subscriber-outbox.js'

const packet = (brokerId: string | undefined, brokerCounter: number) => ({
  brokerId: brokerId as string,
  brokerCounter,
})

describe('createDuplicateFilter', () => {
  it('passes a packet the first time and refuses it after, per broker and counter', () => {
    const firstSight = createDuplicateFilter(8)
    expect(firstSight(packet('a', 1))).toBe(true)
    expect(firstSight(packet('a', 1))).toBe(false)
    // The same counter of another broker is another packet.
    expect(firstSight(packet('b', 1))).toBe(true)
    expect(firstSight(packet('b', 1))).toBe(false)
    expect(firstSight(packet('a', 2))).toBe(true)
  })

  it('always passes packets without a broker identity', () => {
    const firstSight = createDuplicateFilter(8)
    for (const id of [undefined, '']) {
      expect(firstSight(packet(id, 1))).toBe(true)
      expect(firstSight(packet(id, 1))).toBe(true)
    }
  })

  it('remembers the last `remember` packets exactly, across brokers', () => {
    const remember = 5
    const firstSight = createDuplicateFilter(remember)
    const seen: [string, number][] = []
    for (let i = 0; i < 40; i++) {
      const p: [string, number] = [i % 3 === 0 ? 'b' : 'a', i]
      expect(firstSight(packet(...p))).toBe(true)
      seen.push(p)
      // Every one of the last `remember` is still known; the one before them is forgotten.
      for (const q of seen.slice(-remember)) expect(firstSight(packet(...q))).toBe(false)
      const forgotten = seen.at(-remember - 1)
      if (forgotten !== undefined) {
        expect(firstSight(packet(...forgotten))).toBe(true)
        seen.push(forgotten)
      }
    }
  })
})
