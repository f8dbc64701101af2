import { describe, expect, it } from 'vitest'
import { createFakeTransport } from '../../test/fake-transport.js'
import { MeshUnconfirmedError } from '../errors.js'
import type { AckOutcome } from '../transport/transport.js'
import { createInboundHop, type InboundHop } from './inbound-hop.js'

const tick = () => new Promise((r) => setImmediate(r))
const raw = (seq: number) => JSON.stringify({ seq, t: 1, value: seq, ingest: 1 })

describe('createInboundHop', () => {
  it('withholds the ack under block until the drain loop makes room', async () => {
    const t = createFakeTransport()
    const seen: number[] = []
    let release!: () => void
    let gate = new Promise<void>((r) => (release = r))
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        queue: { capacity: 2, policy: 'block' },
        maxBatch: 1,
        handle: async (_k, samples) => {
          await gate
          for (const s of samples) seen.push(s.seq)
        },
      },
      { transport: t, prefix: 'sluice' },
    )
    const acks = [1, 2, 3, 4].map((seq) => {
      let acked = false
      hop.accept(
        { topic: 'sluice/d/c/raw', payload: Buffer.from(raw(seq)), qos: 1, retain: false },
        () => (acked = true),
      )
      return () => acked
    })
    // 1 and 2 fit; 3 waits for room, and 4 waits behind 3 to keep the order.
    expect(acks.map((a) => a())).toEqual([true, true, false, false])
    await tick()
    // The drain loop took 1 out (the handler is stalled), which makes room for 3.
    expect(acks.map((a) => a())).toEqual([true, true, true, false])
    release()
    gate = Promise.resolve()
    expect(await hop.drain(1000)).toBe(true)
    expect(acks.every((a) => a())).toBe(true)
    expect(seen).toEqual([1, 2, 3, 4])
    expect(hop.metrics()).toMatchObject({ in: 4, out: 4, gaps: 0, unexplainedLoss: 0 })
  })

  it('hands one sample at a time at most at serviceRate, the rest waiting in the queue under its policy', async () => {
    const t = createFakeTransport()
    const calls: { seqs: number[]; at: number }[] = []
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 10, policy: 'drop-oldest' },
        serviceRate: 100,
        handle: (_k, samples) =>
          void calls.push({ seqs: samples.map((s) => s.seq), at: Date.now() }),
      },
      { transport: t, prefix: 'sluice' },
    )
    for (let seq = 1; seq <= 20; seq++)
      hop.accept(
        { topic: 'sluice/d/c/raw', payload: Buffer.from(raw(seq)), qos: 0, retain: false },
        () => undefined,
      )
    expect(await hop.drain(5000)).toBe(true)
    // 20 arrive at once into 10 places: the 10 oldest are evicted, the newest 10 handled one by one.
    expect(calls.map((c) => c.seqs)).toEqual(
      [11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map((s) => [s]),
    )
    expect(hop.metrics()).toMatchObject({ in: 20, out: 10, dropped: { oldest: 10 } })
    // 100 samples/s: 9 intervals of 10 ms at least (a loaded machine only makes them longer).
    expect(calls.at(-1)!.at - calls[0]!.at).toBeGreaterThanOrEqual(85)
  })

  it('groups a batch payload by sensor key and decodes batches into samples', async () => {
    const t = createFakeTransport()
    const calls: [string, number[]][] = []
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 100, policy: 'drop-oldest' },
        handle: (k, samples) => void calls.push([k, samples.map((s) => s.seq)]),
      },
      { transport: t, prefix: 'sluice' },
    )
    const batch = JSON.stringify({
      seq: [1, 2, 4],
      t: [1, 1, 1],
      value: [0, 0, 0],
      ingest: [1, 1, 1],
    })
    hop.accept(
      { topic: 'sluice/d1/temp/raw', payload: Buffer.from(batch), qos: 0, retain: false },
      () => undefined,
    )
    hop.accept(
      { topic: 'sluice/d2/temp/raw', payload: Buffer.from(raw(7)), qos: 0, retain: false },
      () => undefined,
    )
    await hop.drain(1000)
    expect(calls).toEqual([
      ['d1/temp', [1, 2, 4]],
      ['d2/temp', [7]],
    ])
    expect(hop.metrics()).toMatchObject({ in: 4, out: 4, gaps: 1, unexplainedLoss: 1 })
  })

  it('takes generic items with their own decoder and weight, capacity still in samples', async () => {
    const t = createFakeTransport()
    const got: string[] = []
    const hop = createInboundHop<{ id: string; count: number }>(
      {
        name: 'windows',
        qos: 0,
        queue: { capacity: 10, policy: 'drop-newest' },
        decode: (_topic, payload) => [
          JSON.parse(Buffer.from(payload).toString()) as { id: string; count: number },
        ],
        weight: (w) => w.count,
        key: () => 'all',
        handle: (_k, items) => void got.push(...items.map((i) => i.id)),
      },
      { transport: t, prefix: 'sluice' },
    )
    for (const [id, count] of [
      ['a', 6],
      ['b', 6],
      ['c', 4],
    ] as const) {
      hop.accept(
        { topic: 'x', payload: Buffer.from(JSON.stringify({ id, count })), qos: 0, retain: false },
        () => undefined,
      )
    }
    await hop.drain(1000)
    expect(got).toEqual(['a', 'c'])
    expect(hop.metrics()).toMatchObject({ in: 16, out: 10, dropped: { newest: 6 } })
  })

  it('subscribes and unsubscribes per sensor while running', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        queue: { capacity: 10, policy: 'block' },
        filters: ['sluice/a/+/raw'],
        handle: () => undefined,
      },
      { transport: t, prefix: 'sluice' },
    )
    await hop.start()
    await hop.subscribe('sluice/b/temp/raw')
    expect([...t.subscriptions.keys()]).toEqual(['sluice/a/+/raw', 'sluice/b/temp/raw'])
    expect(hop.matches('sluice/b/temp/raw')).toBe(true)
    expect(hop.matches('sluice/c/temp/raw')).toBe(false)
    await hop.unsubscribe('sluice/a/+/raw')
    expect([...t.subscriptions.keys()]).toEqual(['sluice/b/temp/raw'])
    expect(hop.filters).toEqual(['sluice/b/temp/raw'])
  })

  it('answers matches() anew after its filters change (the per-topic answer is not kept stale)', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      { name: 'raw', qos: 1, queue: { capacity: 10, policy: 'block' }, handle: () => undefined },
      { transport: t, prefix: 'sluice' },
    )
    expect(hop.matches('sluice/c/temp/raw')).toBe(false)
    await hop.subscribe('sluice/c/+/raw')
    expect(hop.matches('sluice/c/temp/raw')).toBe(true)
    await hop.unsubscribe('sluice/c/+/raw')
    // Retired filters still match messages already in flight.
    expect(hop.matches('sluice/c/temp/raw')).toBe(true)
    // Until as many filters have been given up since (a whole group's move, in one packet).
    const many = Array.from({ length: 20_001 }, (_, i) => `sluice/d${String(i)}/+/raw`)
    await hop.subscribe(many)
    await hop.unsubscribe(many)
    expect(hop.matches('sluice/c/temp/raw')).toBe(false)
  })

  it('counts a failing handler batch as dropped and carries on', async () => {
    const t = createFakeTransport()
    let calls = 0
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 10, policy: 'block' },
        handle: () => {
          if (++calls === 1) throw new Error('boom')
        },
      },
      { transport: t, prefix: 'sluice' },
    )
    hop.accept(
      { topic: 'sluice/d/c/raw', payload: Buffer.from(raw(1)), qos: 0, retain: false },
      () => undefined,
    )
    await hop.drain(1000)
    hop.accept(
      { topic: 'sluice/d/c/raw', payload: Buffer.from(raw(2)), qos: 0, retain: false },
      () => undefined,
    )
    await hop.drain(1000)
    expect(calls).toBe(2)
    expect(hop.metrics().dropped['handler-error']).toBe(1)
  })
})

describe('createInboundHop in handled mode (at least once)', () => {
  /** Offers a QoS 1 message with a `readOn`, as the MQTT transport does. */
  function deliver(hop: InboundHop, seq: number) {
    const d = { readOn: false, outcome: undefined as AckOutcome | undefined }
    hop.accept(
      { topic: 'sluice/d/c/raw', payload: Buffer.from(raw(seq)), qos: 1, retain: false },
      (outcome) => {
        d.readOn = true
        d.outcome ??= outcome ?? 'taken'
      },
      () => (d.readOn = true),
    )
    return d
  }

  it('reads on at once but acknowledges only once the handler ran and its ackAfter promise resolved', async () => {
    const t = createFakeTransport()
    let confirm!: () => void
    const confirmed = new Promise<void>((r) => (confirm = r))
    const handled: number[] = []
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        queue: { capacity: 10, policy: 'drop-oldest' },
        handle: (_k, samples, batch) => {
          expect(batch.confirming).toBe(true)
          for (const s of samples) handled.push(s.seq)
          batch.ackAfter(confirmed)
        },
      },
      { transport: t, prefix: 'sluice', defaultAck: 'handled' },
    )
    expect(hop.ackMode).toBe('handled')
    const d = deliver(hop, 1)
    expect(d).toEqual({ readOn: true, outcome: undefined })
    await tick()
    expect(handled).toEqual([1])
    // Handled, but what it published is not confirmed yet: a crash now must not lose it.
    await tick()
    expect(d.outcome).toBeUndefined()
    confirm()
    await tick()
    expect(d.outcome).toBe('taken')
  })

  it('acknowledges a message whose output its outbound hop dropped by policy, and counts it', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        ack: 'handled',
        queue: { capacity: 10, policy: 'drop-oldest' },
        handle: (_k, _samples, batch) =>
          batch.ackAfter(Promise.reject(new MeshUnconfirmedError('oldest', 'evicted'))),
      },
      { transport: t, prefix: 'sluice' },
    )
    const d = deliver(hop, 1)
    await hop.drain(1000)
    await tick()
    expect(d.outcome).toBe('taken')
    expect(hop.metrics()).toMatchObject({ dropped: { unconfirmed: 1 }, unexplainedLoss: 0 })
  })

  it('leaves a message unacknowledged when its confirmation fails otherwise, and counts it', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        ack: 'handled',
        queue: { capacity: 10, policy: 'drop-oldest' },
        handle: (_k, _samples, batch) => batch.ackAfter(Promise.reject(new Error('dropped'))),
      },
      { transport: t, prefix: 'sluice' },
    )
    const d = deliver(hop, 1)
    await hop.drain(1000)
    await tick()
    expect(d.outcome).toBe('leave')
    expect(hop.metrics()).toMatchObject({ dropped: { unconfirmed: 1 }, unexplainedLoss: 0 })
  })

  it('never evicts: a message that does not fit stops reading until the queue has room', async () => {
    const t = createFakeTransport()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const handled: number[] = []
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        ack: 'handled',
        maxBatch: 1,
        queue: { capacity: 2, policy: 'drop-oldest' },
        handle: async (_k, samples) => {
          await gate
          for (const s of samples) handled.push(s.seq)
        },
      },
      { transport: t, prefix: 'sluice' },
    )
    const ds = [1, 2, 3, 4].map((seq) => deliver(hop, seq))
    expect(ds.map((d) => d.readOn)).toEqual([true, true, false, false])
    release()
    expect(await hop.drain(1000)).toBe(true)
    await tick()
    expect(handled).toEqual([1, 2, 3, 4])
    expect(ds.map((d) => d.outcome)).toEqual(['taken', 'taken', 'taken', 'taken'])
    expect(hop.metrics()).toMatchObject({
      policy: 'block',
      dropped: { oldest: 0 },
      unexplainedLoss: 0,
    })
  })

  it('leaves what it could not handle at a drain timeout, so the broker delivers it again', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        ack: 'handled',
        queue: { capacity: 10, policy: 'block' },
        handle: () => undefined,
      },
      { transport: t, prefix: 'sluice', paused: true },
    )
    const d = deliver(hop, 1)
    expect(await hop.drain(10)).toBe(false)
    expect(d.outcome).toBe('leave')
    expect(hop.metrics().dropped.left).toBe(1)
  })

  it('acknowledges on enqueue on a clean session and hands a batch that does not confirm', async () => {
    const t = createFakeTransport()
    let confirming: boolean | undefined
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 1,
        queue: { capacity: 10, policy: 'block' },
        handle: (_k, _s, batch) => void (confirming = batch.confirming),
      },
      { transport: t, prefix: 'sluice' },
    )
    expect(hop.ackMode).toBe('enqueue')
    const d = deliver(hop, 1)
    expect(d.outcome).toBe('taken')
    await hop.drain(1000)
    expect(confirming).toBe(false)
  })
})

const message = (topic: string, payload: unknown) => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  qos: 1 as const,
  retain: false,
})

/** in = out + dropped (all reasons but `unconfirmed`, already in out) + queue.length. */
function balance(m: ReturnType<InboundHop['metrics']>): number {
  let dropped = 0
  for (const [reason, n] of Object.entries(m.dropped)) if (reason !== 'unconfirmed') dropped += n
  return m.in - m.out - dropped - m.queue.length
}

describe('inbound hop accounting (issue 11, item 10)', () => {
  it('keeps in = out + dropped + queued at every instant, counting the batch being handled', async () => {
    const t = createFakeTransport()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let handling = false
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 3, policy: 'drop-oldest' },
        maxBatch: 2,
        handle: async () => {
          handling = true
          await gate
        },
      },
      { transport: t, prefix: 'sluice' },
    )
    const samples = {
      seq: [1, 2, 3, 4, 5],
      t: [1, 2, 3, 4, 5],
      value: [1, 2, 3, 4, 5],
      ingest: [1, 2, 3, 4, 5],
    }
    hop.accept(message('sluice/d/c/raw', samples), () => undefined)
    expect(balance(hop.metrics())).toBe(0)
    while (!handling) await tick()
    // Two samples are with the handler: neither queued nor out yet, and still counted.
    const m = hop.metrics()
    expect(m).toMatchObject({ in: 5, out: 0, dropped: { oldest: 2 }, queue: { length: 3 } })
    expect(balance(m)).toBe(0)
    release()
    expect(await hop.drain(1000)).toBe(true)
    expect(hop.metrics()).toMatchObject({ in: 5, out: 3, queue: { length: 0 } })
  })

  it('counts what the handler drops itself by reason, not as out, and not as unexplained loss', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 100, policy: 'drop-oldest' },
        handle: (key, s, batch) => {
          if (key === 'd/refused') batch.drop('max-sensors', s.length)
          else batch.drop('late', 1)
        },
      },
      { transport: t, prefix: 'sluice' },
    )
    hop.accept(message('sluice/d/refused/raw', raw(1)), () => undefined)
    hop.accept(message('sluice/d/c/raw', raw(1)), () => undefined)
    hop.accept(message('sluice/d/c/raw', raw(2)), () => undefined)
    expect(await hop.drain(1000)).toBe(true)
    const m = hop.metrics()
    expect(m).toMatchObject({ in: 3, out: 1, dropped: { 'max-sensors': 1, late: 1 } })
    expect(m.unexplainedLoss).toBe(0)
    expect(balance(m)).toBe(0)
  })

  it('counts a failed batch once, as handler-error and not also as out', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 100, policy: 'drop-oldest' },
        handle: () => {
          throw new Error('boom')
        },
      },
      { transport: t, prefix: 'sluice' },
    )
    hop.accept(message('sluice/d/c/raw', raw(1)), () => undefined)
    expect(await hop.drain(1000)).toBe(true)
    const m = hop.metrics()
    expect(m).toMatchObject({ in: 1, out: 0, dropped: { 'handler-error': 1 } })
    expect(balance(m)).toBe(0)
  })

  it('rejects and counts messages on topics with invalid identifiers instead of handling them', async () => {
    const t = createFakeTransport()
    const keys: string[] = []
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 100, policy: 'drop-oldest' },
        handle: (key) => void keys.push(key),
      },
      { transport: t, prefix: 'sluice' },
    )
    const acked: string[] = []
    for (const device of ['DEV!', 'dév', 'd'.repeat(60_000), 'ok']) {
      hop.accept(message(`sluice/${device}/c/raw`, raw(1)), () => acked.push(device))
    }
    expect(acked).toHaveLength(4)
    expect(await hop.drain(1000)).toBe(true)
    expect(keys).toEqual(['ok/c'])
    expect(hop.metrics()).toMatchObject({ in: 1, out: 1, rejected: 3 })
  })

  it('drops and counts samples too far ahead of its clock, and keeps the rest of the batch', async () => {
    const t = createFakeTransport()
    const seen: number[] = []
    const now = 1_700_000_000_000
    const spec = {
      name: 'raw',
      qos: 0 as const,
      queue: { capacity: 100, policy: 'drop-oldest' as const },
      handle: (_k: string, s: { seq: number }[]) => void seen.push(...s.map((x) => x.seq)),
    }
    const hop = createInboundHop(spec, { transport: t, prefix: 'sluice', now: () => now })
    const ts = [now - 5, now + 1e9, now + 59_000, now + 61_000]
    const batch = { seq: [1, 2, 3, 4], t: ts, value: [0, 0, 0, 0], ingest: [now, now, now, now] }
    hop.accept(message('sluice/d/c/raw', batch), () => undefined)
    hop.accept(
      message('sluice/d/c/raw', { seq: 5, t: now, value: 1, ingest: now }),
      () => undefined,
    )
    expect(await hop.drain(1000)).toBe(true)
    expect(seen).toEqual([1, 3, 5])
    const m = hop.metrics()
    expect(m).toMatchObject({ in: 5, out: 3, dropped: { future: 2 }, gaps: 2, unexplainedLoss: 0 })
    expect(balance(m)).toBe(0)
    // 0 turns the check off.
    const open = createInboundHop(
      { ...spec, maxAheadMs: 0 },
      { transport: t, prefix: 'sluice', now: () => now },
    )
    open.accept(message('sluice/d/c/raw', batch), () => undefined)
    expect(await open.drain(1000)).toBe(true)
    expect(open.metrics()).toMatchObject({ in: 4, out: 4 })
  })

  it('explains sequence gaps by the drops the publisher declared upstream', async () => {
    const t = createFakeTransport()
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 100, policy: 'drop-oldest' },
        handle: () => undefined,
      },
      { transport: t, prefix: 'sluice' },
    )
    hop.accept(message('sluice/d/c/raw', raw(1)), () => undefined)
    // The bridge dropped (and counted) 3 and 4 before this batch, and says so.
    const batch = { seq: [5, 6], t: [1, 1], value: [1, 1], ingest: [1, 1], dropped: 3 }
    hop.accept(message('sluice/d/c/raw', batch), () => undefined)
    hop.accept(message('sluice/d/x/raw', raw(1)), () => undefined)
    hop.accept(message('sluice/d/x/raw', raw(4)), () => undefined) // 2 and 3: nobody said
    expect(await hop.drain(1000)).toBe(true)
    expect(hop.metrics()).toMatchObject({ gaps: 5, unexplainedLoss: 2 })
  })
})
