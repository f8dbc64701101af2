import { describe, expect, it } from 'vitest'
import { createFakeTransport } from '../../test/fake-transport.js'
import { MeshUnconfirmedError } from '../errors.js'
import { createOutboundHop } from './outbound-hop.js'

const tick = () => new Promise((r) => setImmediate(r))

describe('createOutboundHop', () => {
  it('holds messages in its bounded queue while offline, drops the oldest and counts them', async () => {
    const t = createFakeTransport()
    t.setConnected(false)
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 10, policy: 'drop-oldest' } },
      { transport: t },
    )
    for (let i = 0; i < 100; i++) expect(hop.publish('a/b', String(i))).toBe(true)
    expect(t.published).toHaveLength(0)
    expect(hop.length).toBe(10)
    t.setConnected(true)
    await tick()
    expect(t.published.map((p) => p.payload)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(90 + i)),
    )
    const m = hop.metrics()
    expect(m).toMatchObject({ in: 100, out: 10, dropped: { oldest: 90, newest: 0, sampled: 0 } })
  })

  it('keeps at most maxInFlight unacknowledged publishes', () => {
    const t = createFakeTransport()
    t.autoAck = false
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 100, policy: 'drop-newest' }, maxInFlight: 4 },
      { transport: t },
    )
    for (let i = 0; i < 20; i++) hop.publish('a/b', String(i))
    expect(t.published).toHaveLength(4)
    expect(hop.length).toBe(16)
  })

  it('is busy while a message would wait (queued, maxInFlight unacknowledged, or offline); sendable() waits for that', async () => {
    const t = createFakeTransport()
    t.autoAck = false
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 100, policy: 'drop-newest' }, maxInFlight: 2 },
      { transport: t },
    )
    expect(hop.busy).toBe(false)
    await hop.sendable()
    hop.publish('a/b', '1')
    expect(hop.busy).toBe(false) // one in flight, room for another
    hop.publish('a/b', '2')
    hop.publish('a/b', '3')
    expect(hop.busy).toBe(true)
    let sendable = false
    void hop.sendable().then(() => (sendable = true))
    t.published[0]!.resolve()
    await tick()
    expect(sendable).toBe(false) // '3' took the slot '1' left: two in flight again
    t.published[1]!.resolve()
    await tick()
    expect(sendable).toBe(true)
    expect(hop.busy).toBe(false)
    t.setConnected(false)
    expect(hop.busy).toBe(true)
  })

  it('pushes back under block: publish returns false when full, ready() resolves once there is room', async () => {
    const t = createFakeTransport()
    t.setConnected(false)
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 3, policy: 'block' } },
      { transport: t },
    )
    expect([1, 2, 3, 4].map((i) => hop.publish('a/b', String(i)))).toEqual([
      true,
      true,
      true,
      false,
    ])
    let ready = false
    void hop.ready().then(() => (ready = true))
    await tick()
    expect(ready).toBe(false)
    t.setConnected(true)
    await tick()
    expect(ready).toBe(true)
    await hop.publishAsync('a/b', '4')
    await tick()
    expect(t.published.map((p) => p.payload)).toEqual(['1', '2', '3', '4'])
    expect(hop.metrics()).toMatchObject({ in: 4, out: 4 })
  })

  it('lets a publisher waiting for room under block go when the hop closes', async () => {
    const t = createFakeTransport()
    t.setConnected(false)
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 1, policy: 'block' } },
      { transport: t },
    )
    expect(hop.publish('a/b', '1')).toBe(true)
    let done = false
    const waiting = hop.publishAsync('a/b', '2').then(() => (done = true))
    await tick()
    expect(done).toBe(false)
    hop.close()
    await waiting
    expect(done).toBe(true)
    expect(await Promise.race([hop.ready().then(() => 'ready'), tick().then(() => 'hung')])).toBe(
      'ready',
    )
  })

  it('counts a failed publish as dropped (failed)', async () => {
    const t = createFakeTransport()
    t.autoAck = false
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 10, policy: 'drop-newest' } },
      { transport: t },
    )
    hop.publish('a/b', 'x', 5)
    t.published[0]!.reject(new Error('connection lost'))
    await tick()
    expect(hop.metrics().dropped.failed).toBe(5)
  })

  it('reports unacknowledged work as not drained after the timeout, and counts the rest', async () => {
    const t = createFakeTransport()
    t.setConnected(false)
    const hop = createOutboundHop(
      { name: 'out', qos: 0, queue: { capacity: 10, policy: 'drop-newest' } },
      { transport: t },
    )
    hop.publish('a/b', 'x', 2)
    expect(await hop.drain(20)).toBe(false)
    expect(hop.metrics().dropped.shutdown).toBe(2)
  })

  it('resolves a confirmed publish only on the broker acknowledgement', async () => {
    const t = createFakeTransport()
    t.autoAck = false
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 10, policy: 'drop-oldest' } },
      { transport: t },
    )
    let done = false
    const p = hop.publishConfirmed('a/b', 'x').then(() => (done = true))
    await tick()
    expect(t.published).toHaveLength(1)
    expect(done).toBe(false)
    t.published[0]!.resolve()
    await p
    expect(done).toBe(true)
  })

  it('rejects a confirmed publish the policy evicted, and only that one', async () => {
    const t = createFakeTransport()
    t.setConnected(false)
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 2, policy: 'drop-oldest' } },
      { transport: t },
    )
    const outcomes: string[] = []
    const track = (i: number, p: Promise<void>) =>
      p.then(
        () => outcomes.push(`${String(i)} acked`),
        (err: unknown) =>
          outcomes.push(
            `${String(i)} ${err instanceof MeshUnconfirmedError ? err.reason : String(err)}`,
          ),
      )
    const all = [0, 1, 2].map((i) => track(i, hop.publishConfirmed('a/b', String(i))))
    await tick()
    expect(outcomes).toEqual(['0 oldest'])
    t.setConnected(true)
    await Promise.all(all)
    expect(outcomes).toEqual(['0 oldest', '1 acked', '2 acked'])
  })

  it('rejects the confirmed publishes still queued when a drain times out', async () => {
    const t = createFakeTransport()
    t.setConnected(false)
    const hop = createOutboundHop(
      { name: 'out', qos: 1, queue: { capacity: 10, policy: 'block' } },
      { transport: t },
    )
    const p = hop.publishConfirmed('a/b', 'x')
    expect(await hop.drain(10)).toBe(false)
    await expect(p).rejects.toMatchObject({
      code: 'SLUICE_ERR_MESH_UNCONFIRMED',
      reason: 'shutdown',
    })
  })
})
