import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createBoundedQueue, QUEUE_POLICIES, type QueuePolicy } from './bounded-queue.js'

function fill(policy: QueuePolicy, capacity: number, n: number) {
  const q = createBoundedQueue<number>({ capacity, policy })
  const results = []
  for (let i = 0; i < n; i++) results.push(q.offer(i))
  return { q, results }
}

function drain<T>(q: { poll(): T | undefined }): T[] {
  const out: T[] = []
  for (let x = q.poll(); x !== undefined; x = q.poll()) out.push(x)
  return out
}

describe('createBoundedQueue', () => {
  it('is FIFO across the ring wrap', () => {
    const q = createBoundedQueue<number>({ capacity: 3, policy: 'drop-newest' })
    q.offer(1)
    q.offer(2)
    expect(q.poll()).toBe(1)
    q.offer(3)
    q.offer(4)
    expect(drain(q)).toEqual([2, 3, 4])
    expect(q.poll()).toBeUndefined()
  })

  it('drops the oldest sample and counts it when full', () => {
    const { q, results } = fill('drop-oldest', 3, 5)
    expect(results[4]).toEqual({ accepted: true, evicted: 1 })
    expect(drain(q)).toEqual([2, 3, 4])
    expect(q.counters()).toMatchObject({ arrived: 5, delivered: 3, queued: 0 })
    expect(q.counters().dropped).toEqual({ oldest: 2, newest: 0, sampled: 0 })
  })

  it('refuses the newest sample and counts it when full', () => {
    const { q, results } = fill('drop-newest', 3, 5)
    expect(results[3]).toEqual({ accepted: false, reason: 'newest' })
    expect(drain(q)).toEqual([0, 1, 2])
    expect(q.counters().dropped).toEqual({ oldest: 0, newest: 2, sampled: 0 })
  })

  it('keeps one in every k arrivals while full, with k doubling, and resets k when there is room', () => {
    const { q, results } = fill('sample', 2, 2 + 2 + 4 + 8)
    const kept = results.slice(2).flatMap((r, i) => (r.accepted ? [i + 2] : []))
    // k = 2, then 4, then 8: arrivals 3, 7 and 15 are kept, each replacing the oldest.
    expect(kept).toEqual([3, 7, 15])
    expect(q.sampleEvery).toBe(16)
    expect(drain(q)).toEqual([7, 15])
    const c = q.counters()
    expect(c.dropped.sampled).toBe(11)
    expect(c.dropped.oldest).toBe(3)
    expect(c.arrived).toBe(c.delivered + c.droppedTotal + c.queued)
    q.offer(99)
    expect(q.sampleEvery).toBe(1)
  })

  it('refuses without counting an arrival under block', () => {
    const { q, results } = fill('block', 2, 4)
    expect(results[2]).toEqual({ accepted: false, reason: 'full' })
    expect(q.counters()).toMatchObject({ arrived: 2, droppedTotal: 0, queued: 2 })
    expect(q.free).toBe(0)
    q.poll()
    expect(q.offer(7)).toEqual({ accepted: true, evicted: 0 })
  })

  it('counts capacity in samples when items carry a weight', () => {
    const q = createBoundedQueue<string>({ capacity: 10, policy: 'drop-oldest' })
    q.offer('a', 4)
    q.offer('b', 4)
    expect(q.length).toBe(8)
    expect(q.size).toBe(2)
    expect(q.offer('c', 5)).toEqual({ accepted: true, evicted: 4 })
    expect(q.peekWeight()).toBe(4)
    expect(q.peek()).toBe('b')
    expect(drain(q)).toEqual(['b', 'c'])
    expect(q.counters()).toMatchObject({ arrived: 13, delivered: 9, droppedTotal: 4 })
  })

  it('drops an item heavier than the capacity as newest, even under block', () => {
    const q = createBoundedQueue<string>({ capacity: 3, policy: 'block' })
    expect(q.offer('huge', 4)).toEqual({ accepted: false, reason: 'newest' })
    expect(q.counters().dropped.newest).toBe(4)
  })

  it('rejects a bad capacity, policy or weight', () => {
    expect(() => createBoundedQueue({ capacity: 0, policy: 'block' })).toThrow(RangeError)
    expect(() => createBoundedQueue({ capacity: 1, policy: 'nope' as QueuePolicy })).toThrow(
      RangeError,
    )
    expect(() => createBoundedQueue({ capacity: 1, policy: 'block' }).offer(1, 0)).toThrow(
      RangeError,
    )
  })

  it('balances its counters and matches a reference model on random operations', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), weight: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('poll' as const) }),
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...QUEUE_POLICIES),
        // past 16 the ring starts smaller than its capacity and grows
        fc.integer({ min: 1, max: 40 }),
        fc.array(op, { maxLength: 200 }),
        (policy, capacity, ops) => {
          const evicted: number[] = []
          const q = createBoundedQueue<number>({
            capacity,
            policy,
            onEvict: (item) => evicted.push(item),
          })
          const model: { id: number; w: number }[] = []
          let id = 0
          for (const o of ops) {
            if (o.kind === 'poll') {
              expect(q.poll()).toBe(model.shift()?.id)
            } else {
              const item = id++
              const r = q.offer(item, o.weight)
              if (r.accepted) {
                const expected: number[] = []
                for (let e = r.evicted; e > 0;) {
                  const m = model.shift()!
                  expected.push(m.id)
                  e -= m.w
                }
                expect(evicted.splice(0)).toEqual(expected)
                model.push({ id: item, w: o.weight })
              }
              const used = model.reduce((s, m) => s + m.w, 0)
              expect(used).toBe(q.length)
              expect(q.length).toBeLessThanOrEqual(capacity)
              if (policy === 'block' && !r.accepted)
                expect(r.reason === 'full' || o.weight > capacity).toBe(true)
            }
            const c = q.counters()
            expect(c.arrived).toBe(c.delivered + c.droppedTotal + c.queued)
            expect(c.queued).toBe(q.length)
            expect(q.size).toBe(model.length)
          }
        },
      ),
    )
  })

  it('with trimHead, a queue of runs drops and delivers the samples a queue of single samples would', () => {
    // A run is offered whole when it fits and sample by sample when not (as an inbound hop does), and
    // gives up its oldest samples when an arrival needs only part of its weight.
    interface Run {
      readonly samples: number[]
      from: number
    }
    const op = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), length: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant('poll' as const) }),
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...QUEUE_POLICIES),
        fc.integer({ min: 1, max: 30 }),
        fc.array(op, { maxLength: 200 }),
        (policy, capacity, ops) => {
          const runs = createBoundedQueue<Run>({
            capacity,
            policy,
            trimHead: (run, n) => {
              run.from += n
              return true
            },
          })
          const singles = createBoundedQueue<number>({ capacity, policy })
          const fromRuns: number[] = []
          const fromSingles: number[] = []
          let next = 0
          for (const o of ops) {
            if (o.kind === 'poll') {
              const run = runs.poll()
              if (run === undefined) continue
              const taken = run.samples.slice(run.from)
              fromRuns.push(...taken)
              for (let i = 0; i < taken.length; i++) fromSingles.push(singles.poll()!)
              continue
            }
            const samples = Array.from({ length: o.length }, () => next++)
            for (const x of samples) singles.offer(x)
            if (runs.free >= samples.length) runs.offer({ samples, from: 0 }, samples.length)
            else for (const x of samples) runs.offer({ samples: [x], from: 0 })
            expect(runs.length).toBe(singles.length)
          }
          for (let run = runs.poll(); run !== undefined; run = runs.poll())
            fromRuns.push(...run.samples.slice(run.from))
          for (let x = singles.poll(); x !== undefined; x = singles.poll()) fromSingles.push(x)
          expect(fromRuns).toEqual(fromSingles)
          expect(runs.counters()).toEqual(singles.counters())
        },
      ),
    )
  })

  it('hands each evicted item to onEvict, and drain() returns what is left as drained', () => {
    const evicted: [number, number][] = []
    const q = createBoundedQueue<number>({
      capacity: 3,
      policy: 'drop-oldest',
      onEvict: (item, weight) => evicted.push([item, weight]),
    })
    q.offer(1, 2)
    q.offer(2)
    q.offer(3, 2)
    expect(evicted).toEqual([[1, 2]])
    expect(q.drain()).toEqual([2, 3])
    expect(q.length).toBe(0)
    expect(q.counters()).toMatchObject({
      arrived: 5,
      delivered: 0,
      dropped: { oldest: 2, newest: 0, sampled: 0 },
      drained: 3,
      droppedTotal: 5,
      queued: 0,
    })
  })

  it('grows its ring up to the capacity and stays FIFO across the wrap', () => {
    const q = createBoundedQueue<number>({ capacity: 100, policy: 'drop-oldest' })
    for (let i = 0; i < 10; i++) q.offer(i)
    for (let i = 0; i < 5; i++) q.poll()
    for (let i = 10; i < 150; i++) q.offer(i)
    expect(q.length).toBe(100)
    expect(drain(q)).toEqual(Array.from({ length: 100 }, (_, i) => i + 50))
  })
})
