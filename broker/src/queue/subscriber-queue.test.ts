import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSubscriberQueue, SUBSCRIBER_QUEUE_POLICIES } from './subscriber-queue.js'

describe('createSubscriberQueue', () => {
  it('drops the oldest message and returns it when full under drop-oldest', () => {
    const q = createSubscriberQueue<number>({ capacity: 2, policy: 'drop-oldest' })
    q.offer(1)
    q.offer(2)
    expect(q.offer(3)).toEqual({ accepted: true, evicted: [1] })
    expect([q.poll(), q.poll(), q.poll()]).toEqual([2, 3, undefined])
    expect(q.counters()).toMatchObject({ arrived: 3, delivered: 2, dropped: 1, queued: 0 })
    expect(q.counters().droppedBy).toEqual({ oldest: 1, newest: 0, sampled: 0, drained: 0 })
  })

  it('refuses the newest message when full under drop-newest, and under block (a broker cannot block)', () => {
    for (const policy of ['drop-newest', 'block'] as const) {
      const q = createSubscriberQueue<number>({ capacity: 2, policy })
      q.offer(1)
      q.offer(2)
      expect(q.offer(3)).toEqual({ accepted: false, evicted: [] })
      expect([q.poll(), q.poll()]).toEqual([1, 2])
      expect(q.counters().dropped).toBe(1)
      expect(q.counters().droppedBy.newest).toBe(1)
    }
  })

  it('keeps one in every k arrivals while full under sample, with k doubling', () => {
    const q = createSubscriberQueue<number>({ capacity: 1, policy: 'sample' })
    q.offer(0)
    const kept: number[] = []
    for (let i = 1; i <= 14; i++) if (q.offer(i).accepted) kept.push(i)
    // k = 2 → keeps #2, then k = 4 → #6, then k = 8 → #14
    expect(kept).toEqual([2, 6, 14])
  })

  it('resets the sample thinning once an arrival finds room', () => {
    const q = createSubscriberQueue<number>({ capacity: 1, policy: 'sample' })
    q.offer(0)
    q.offer(1)
    q.offer(2) // kept, k = 4
    q.poll()
    expect(q.offer(3).accepted).toBe(true) // room
    expect(q.offer(4).accepted).toBe(false) // k back to 2: first refused
    expect(q.offer(5).accepted).toBe(true)
  })

  it('counts everything left behind as dropped when drained', () => {
    const q = createSubscriberQueue<number>({ capacity: 4, policy: 'drop-oldest' })
    q.offer(1)
    q.offer(2)
    expect(q.drain()).toEqual([1, 2])
    expect(q.counters()).toMatchObject({ arrived: 2, delivered: 0, dropped: 2, queued: 0 })
    expect(q.counters().droppedBy.drained).toBe(2)
  })

  it('rejects a capacity below one', () => {
    expect(() => createSubscriberQueue({ capacity: 0, policy: 'drop-oldest' })).toThrow(RangeError)
  })

  it('keeps arrived = delivered + dropped + queued, FIFO order and the bound, for any operations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(...SUBSCRIBER_QUEUE_POLICIES),
        fc.array(fc.boolean(), { maxLength: 400 }),
        (capacity, policy, ops) => {
          const q = createSubscriberQueue<number>({ capacity, policy })
          let next = 0
          let lastPolled = -1
          for (const offer of ops) {
            if (offer) q.offer(next++)
            else {
              const item = q.poll()
              if (item !== undefined) {
                expect(item).toBeGreaterThan(lastPolled)
                lastPolled = item
              }
            }
            const c = q.counters()
            expect(c.arrived).toBe(c.delivered + c.dropped + c.queued)
            const by = c.droppedBy
            expect(by.oldest + by.newest + by.sampled + by.drained).toBe(c.dropped)
            expect(q.length).toBeLessThanOrEqual(capacity)
          }
        },
      ),
    )
  })
})
