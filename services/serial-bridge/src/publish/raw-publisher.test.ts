import { decodeRawSamples } from '@sluice/contract'
import { createInboundHop, createOutboundHop } from '@sluice/mesh'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFakeTransport } from '../../../../libs/mesh/test/fake-transport.js'
import { createRawPublisher, type RawHop } from './raw-publisher.js'

/** A hop that is busy while `busy` is set; `settle()` frees it and wakes `sendable()` waiters. */
function fakeHop(capacity = 100, accept = true) {
  const sent: { topic: string; payload: string; samples: number; ingest: number | undefined }[] = []
  let waiters: (() => void)[] = []
  const hop: RawHop & {
    sent: typeof sent
    accept: boolean
    busy: boolean
    settle(): Promise<void>
  } = {
    sent,
    accept,
    busy: false,
    length: 0,
    spec: { queue: { capacity } },
    publish(topic, payload, samples = 1, options = {}) {
      if (!hop.accept) return false
      sent.push({ topic, payload: String(payload), samples, ingest: options.ingest })
      return true
    },
    sendable() {
      if (!hop.busy) return Promise.resolve()
      return new Promise<void>((resolve) => waiters.push(resolve))
    },
    async settle() {
      hop.busy = false
      const w = waiters
      waiters = []
      for (const f of w) f()
      await Promise.resolve()
    },
  }
  return hop
}

describe('createRawPublisher', () => {
  let clock = 0
  beforeEach(() => {
    vi.useFakeTimers()
    clock = 1000
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('publishes a lone sample as a raw sample object on its channel topic', () => {
    const hop = fakeHop()
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 10, maxDelayMs: 50 },
      now: () => clock,
    })
    p.push('bench', 'light', { seq: 1, t: 1000, value: 450, ingest: 1000.5 })
    expect(hop.sent).toEqual([
      {
        topic: 'sluice/bench/light/raw',
        payload: '{"seq":1,"t":1000,"value":450,"ingest":1000.5}',
        samples: 1,
        ingest: 1000.5,
      },
    ])
  })

  it("sends a fast sensor's samples alone while the hop is free (no batch deadline to wait for)", () => {
    const hop = fakeHop()
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 3, maxDelayMs: 50 },
      now: () => clock,
    })
    for (let i = 0; i < 4; i++) {
      p.push('bench', 'light', { seq: i, t: clock, value: i, ingest: clock })
      clock += 1
    }
    expect(hop.sent.map((m) => m.samples)).toEqual([1, 1, 1, 1])
    expect(p.stats()).toMatchObject({ samples: 4, messages: 4, pending: 0 })
    p.close()
  })

  it('batches while the hop is busy: flushed at N, when the hop can send again, or by the deadline', async () => {
    const hop = fakeHop()
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 3, maxDelayMs: 50 },
      now: () => clock,
    })
    hop.busy = true
    for (let i = 0; i < 5; i++) {
      p.push('bench', 'light', { seq: i, t: clock, value: i, ingest: clock })
      clock += 1
    }
    // #0-#2 as a full batch, #3-#4 pending until the hop is free.
    expect(hop.sent.map((m) => m.samples)).toEqual([3])
    const batch = decodeRawSamples(hop.sent[0]!.payload)
    expect(batch.ok && batch.value.map((s) => s.seq)).toEqual([0, 1, 2])
    expect(p.stats()).toMatchObject({ samples: 5, messages: 1, pending: 2 })
    await hop.settle()
    expect(hop.sent.map((m) => m.samples)).toEqual([3, 2])
    expect(hop.sent[1]!.ingest).toBe(1004)

    // Busy for longer than the deadline: the batch goes out at maxDelayMs all the same.
    hop.busy = true
    p.push('bench', 'light', { seq: 5, t: clock, value: 5, ingest: clock })
    expect(hop.sent).toHaveLength(2)
    clock += 60
    await vi.advanceTimersByTimeAsync(60)
    expect(hop.sent.map((m) => m.samples)).toEqual([3, 2, 1])
    p.close()
  })

  it('counts samples the hop refuses as dropped at the edge', () => {
    const hop = fakeHop(100, false)
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 1, maxDelayMs: 0 },
      now: () => clock,
    })
    p.push('bench', 'light', { seq: 1, t: 1, value: 1, ingest: 1 })
    p.push('bench', 'temp', { seq: 1, t: 1, value: 1, ingest: 1 })
    expect(p.stats()).toMatchObject({ samples: 2, messages: 0, droppedAtEdge: 2 })
  })

  it('flushes everything pending at shutdown', () => {
    const hop = fakeHop()
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 100, maxDelayMs: 1000 },
      now: () => clock,
    })
    hop.busy = true
    for (let i = 0; i < 5; i++)
      p.push('d', i % 2 === 0 ? 'a' : 'b', { seq: i, t: 0, value: 0, ingest: 0 })
    expect(hop.sent).toHaveLength(0)
    p.flushAll()
    p.close()
    expect(hop.sent.reduce((n, m) => n + m.samples, 0)).toBe(5)
    expect(p.stats().pending).toBe(0)
  })

  it('reports congestion as the hop queue fill', () => {
    const hop = fakeHop(200)
    ;(hop as { length: number }).length = 50
    const p = createRawPublisher({ hop, prefix: 'sluice', batch: { maxSamples: 1, maxDelayMs: 0 } })
    expect(p.congestion()).toBe(0.25)
  })

  it('tells the room left in the hop queue, less the samples waiting in batches', () => {
    const hop = fakeHop(200)
    ;(hop as { length: number }).length = 50
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 10, maxDelayMs: 50 },
      now: () => clock,
    })
    hop.busy = true // samples now wait in their batch
    for (let seq = 0; seq < 3; seq++) p.push('bench', 'light', { seq, t: 0, value: 1, ingest: 0 })
    expect(p.stats().pending).toBe(3)
    expect(p.room()).toBe(200 - 50 - 3)
    ;(hop as { length: number }).length = 250
    expect(p.room()).toBe(0)
    p.close()
  })
})

describe('upstream drops told downstream (issue 11, item 10)', () => {
  it('carries the drops of a sensor to its next message, so a consumer sees no unexplained loss', async () => {
    const transport = createFakeTransport()
    const hop = createOutboundHop(
      { name: 'raw', qos: 1, queue: { capacity: 20, policy: 'drop-oldest' } },
      { transport },
    )
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 5, maxDelayMs: 50 },
    })
    const push = (from: number, to: number) => {
      for (let seq = from; seq < to; seq++) {
        for (const channel of ['light', 'temp'])
          p.push('uno', channel, { seq, t: seq, value: 1, ingest: seq })
      }
    }
    push(0, 10)
    // The broker goes away: the hop's queue fills and evicts its oldest messages.
    transport.setConnected(false)
    push(10, 100)
    transport.setConnected(true)
    push(100, 110)
    p.flushAll()
    await new Promise((r) => setImmediate(r))
    const evicted = hop.metrics().dropped.oldest ?? 0

    expect(evicted).toBeGreaterThan(0)
    // Every sample the hop dropped is declared by a later message of the same sensor.
    let declared = 0
    const consumer = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        queue: { capacity: 10_000, policy: 'block' },
        handle: () => undefined,
      },
      { transport: createFakeTransport(), prefix: 'sluice', now: () => 1000 },
    )
    for (const m of transport.published) {
      const r = decodeRawSamples(m.payload)
      if (!r.ok) throw r.error
      declared += r.value[0]!.dropped ?? 0
      consumer.accept(
        { topic: m.topic, payload: Buffer.from(m.payload), qos: 1, retain: false },
        () => undefined,
      )
    }
    expect(declared).toBe(evicted)
    expect(await consumer.drain(1000)).toBe(true)
    const m = consumer.metrics()
    expect(m.gaps).toBe(evicted)
    expect(m.unexplainedLoss).toBe(0)
    hop.close()
  })

  it('carries drops at the edge (a refused message, or counted before the publisher)', () => {
    const hop = fakeHop()
    const p = createRawPublisher({
      hop,
      prefix: 'sluice',
      batch: { maxSamples: 1, maxDelayMs: 50 },
    })
    hop.accept = false
    p.push('uno', 'light', { seq: 1, t: 1, value: 1, ingest: 1 })
    hop.accept = true
    p.countDropped('uno', 'light', 2)
    p.push('uno', 'light', { seq: 4, t: 4, value: 1, ingest: 4 })
    p.push('uno', 'light', { seq: 5, t: 5, value: 1, ingest: 5 })
    expect(hop.sent.map((s) => JSON.parse(s.payload) as { dropped?: number })).toEqual([
      { seq: 4, t: 4, value: 1, ingest: 4, dropped: 3 },
      { seq: 5, t: 5, value: 1, ingest: 5 },
    ])
  })
})
