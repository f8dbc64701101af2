import { createBoundedQueue, QUEUE_POLICIES, type QueuePolicy } from '@sluice/stream'
import { describe, expect, it } from 'vitest'
import { createFakeTransport } from '../../test/fake-transport.js'
import type { AckOutcome } from '../transport/transport.js'
import { createInboundHop, type InboundHop, type InboundHopSpec } from './inbound-hop.js'

/** A raw batch of the samples `from` … `from + n − 1` (seq and value alike). */
function batch(from: number, n: number): Buffer {
  const seq = Array.from({ length: n }, (_, i) => from + i)
  return Buffer.from(
    JSON.stringify({ seq, t: seq.map(() => 1), value: seq, ingest: seq.map(() => 1) }),
  )
}

/** What a queue of single samples with `policy` keeps of these batches, offered one sample at a time. */
function keptOneByOne(policy: QueuePolicy, capacity: number, sizes: readonly number[]) {
  const q = createBoundedQueue<number>({ capacity, policy })
  let next = 0
  for (const n of sizes) for (let i = 0; i < n; i++) q.offer(next++)
  const kept: number[] = []
  for (let x = q.poll(); x !== undefined; x = q.poll()) kept.push(x)
  return { kept, dropped: q.counters().dropped }
}

/** A raw hop that records the seq of every sample it hands on, batch by batch. */
function recordingHop(
  spec: Omit<InboundHopSpec, 'name' | 'handle'>,
  paused = false,
): { hop: InboundHop; batches: number[][]; handled: () => number[] } {
  const batches: number[][] = []
  const hop = createInboundHop(
    { name: 'raw', ...spec, handle: (_k, samples) => void batches.push(samples.map((s) => s.seq)) },
    { transport: createFakeTransport(), prefix: 'sluice', paused },
  )
  return { hop, batches, handled: () => batches.flat() }
}

// Issue 16: a message's samples of one sensor take one place in the queue (a run). Under every policy
// the hop still keeps and drops exactly the samples a queue of single samples would.
describe('an inbound hop queueing runs', () => {
  for (const policy of QUEUE_POLICIES.filter((p) => p !== 'block')) {
    it.each([
      [[100, 100]],
      [[100, 100, 37, 5, 60]],
      [[140, 9, 30, 1]],
      [[200, 50]],
      [[20, 151, 3]],
    ])(
      `keeps and drops sample by sample under ${policy} when batches %j overflow the queue`,
      async (sizes) => {
        const capacity = 150
        const { hop, handled } = recordingHop({ qos: 0, queue: { capacity, policy } }, true)
        let from = 0
        for (const n of sizes) {
          hop.accept(
            { topic: 'sluice/d/c/raw', payload: batch(from, n), qos: 0, retain: false },
            () => undefined,
          )
          from += n
        }
        hop.resume()
        expect(await hop.drain(1000)).toBe(true)
        const expected = keptOneByOne(policy, capacity, sizes)
        expect(handled()).toEqual(expected.kept)
        expect(hop.metrics()).toMatchObject({
          in: from,
          out: expected.kept.length,
          dropped: expected.dropped,
          unexplainedLoss: 0,
        })
      },
    )
  }

  it('under block, queues what fits of a run, and the rest of it and what follows once there is room', async () => {
    const { hop, handled } = recordingHop(
      { qos: 1, queue: { capacity: 150, policy: 'block' } },
      true,
    )
    const acked: number[] = []
    let from = 0
    for (const n of [100, 100, 37]) {
      const first = from
      hop.accept(
        { topic: 'sluice/d/c/raw', payload: batch(from, n), qos: 1, retain: false },
        () => void acked.push(first),
      )
      from += n
    }
    // The second message's first 50 samples are queued, the rest waits (and so does the third).
    expect(hop.metrics().queue.length).toBe(150)
    expect(acked).toEqual([0])
    hop.resume()
    expect(await hop.drain(1000)).toBe(true)
    expect(handled()).toEqual(Array.from({ length: from }, (_, i) => i))
    expect(acked).toEqual([0, 100, 200])
    expect(hop.metrics()).toMatchObject({ in: from, out: from, unexplainedLoss: 0 })
  })

  it('counts a redelivered batch as duplicate, whether read into columns or decoded', async () => {
    const { hop, handled } = recordingHop({
      qos: 1,
      queue: { capacity: 1000, policy: 'drop-oldest' },
    })
    const topic = 'sluice/d/c/raw'
    // The bridge's exact form (read into columns), and the same batch with a space (decoded as JSON).
    const spaced = Buffer.from(batch(10, 5).toString().replace(':', ': '))
    hop.accept({ topic, payload: batch(0, 10), qos: 1, retain: false, duplicate: true }, () => {})
    hop.accept({ topic, payload: spaced, qos: 1, retain: false, duplicate: true }, () => {})
    hop.accept({ topic, payload: batch(15, 3), qos: 1, retain: false }, () => {})
    expect(await hop.drain(1000)).toBe(true)
    expect(handled()).toEqual([15, 16, 17])
    expect(hop.metrics()).toMatchObject({ in: 18, out: 3, dropped: { duplicate: 15 } })
  })

  // The bridge's exact form is read into columns; with a space it is decoded as JSON into samples.
  it.each([
    ['read into columns', batch(0, 100)],
    ['decoded', Buffer.from(batch(0, 100).toString().replace(':', ': '))],
  ])('hands a long run %s in batches of at most maxBatch, in order', async (_form, payload) => {
    const { hop, batches: calls } = recordingHop({
      qos: 0,
      maxBatch: 30,
      queue: { capacity: 1000, policy: 'drop-oldest' },
    })
    hop.accept({ topic: 'sluice/d/c/raw', payload, qos: 0, retain: false }, () => undefined)
    expect(await hop.drain(1000)).toBe(true)
    expect(calls.map((c) => c.length)).toEqual([30, 30, 30, 10])
    expect(calls.flat()).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('in handled mode, takes a batch larger than its room as room is made, and acknowledges it once', async () => {
    const { hop, handled } = recordingHop({
      qos: 1,
      ack: 'handled',
      maxBatch: 4,
      queue: { capacity: 3, policy: 'drop-oldest' },
    })
    const outcomes: (AckOutcome | undefined)[] = []
    hop.accept(
      { topic: 'sluice/d/c/raw', payload: batch(0, 10), qos: 1, retain: false },
      (outcome) => void outcomes.push(outcome ?? 'taken'),
      () => undefined,
    )
    expect(await hop.drain(1000)).toBe(true)
    await new Promise((r) => setImmediate(r))
    expect(handled()).toEqual(Array.from({ length: 10 }, (_, i) => i))
    expect(outcomes).toEqual(['taken'])
    expect(hop.metrics()).toMatchObject({ in: 10, out: 10, unexplainedLoss: 0 })
  })
})
