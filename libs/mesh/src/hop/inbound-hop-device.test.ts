import { describe, expect, it } from 'vitest'
import { createFakeTransport } from '../../test/fake-transport.js'
import { createInboundHop } from './inbound-hop.js'

const msg = (topic: string, payload: string) => ({
  topic,
  payload: Buffer.from(payload),
  qos: 0 as const,
  retain: false,
})

describe('an inbound raw hop fed by devices publishing directly', () => {
  function rawHop() {
    const calls: [string, number[]][] = []
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 100, policy: 'drop-oldest' },
        handle: (k, samples) => void calls.push([k, samples.map((s) => s.value)]),
      },
      { transport: createFakeTransport(), prefix: 'sluice', now: () => 5000 },
    )
    return { hop, calls }
  }

  it('keys readings of the device topic by the channel each names', async () => {
    const { hop, calls } = rawHop()
    hop.accept(msg('sluice/esp1/raw', '{"temperature":21.5,"humidity":40}'), () => undefined)
    hop.accept(msg('sluice/esp1/light/raw', '300'), () => undefined)
    await hop.drain(1000)
    expect(calls).toEqual([
      ['esp1/temperature', [21.5]],
      ['esp1/humidity', [40]],
      ['esp1/light', [300]],
    ])
  })

  it('counts unsequenced samples instead of claiming zero loss for them', async () => {
    const { hop } = rawHop()
    hop.accept(msg('sluice/esp1/temp/raw', '{"value":1}'), () => undefined)
    hop.accept(msg('sluice/esp1/temp/raw', '{"value":2}'), () => undefined)
    await hop.drain(1000)
    const m = hop.metrics()
    expect(m).toMatchObject({ in: 2, out: 2, unsequenced: 2, rejected: 0 })
    expect(m.gaps).toBeUndefined()
    expect(m.unexplainedLoss).toBeUndefined()
    // Once sequenced samples arrive too, their gaps are tracked (and the unsequenced still counted).
    hop.accept(msg('sluice/esp1/hum/raw', '{"value":1,"seq":1}'), () => undefined)
    hop.accept(msg('sluice/esp1/hum/raw', '{"value":1,"seq":4}'), () => undefined)
    await hop.drain(1000)
    expect(hop.metrics()).toMatchObject({ unsequenced: 2, gaps: 2, unexplainedLoss: 2 })
  })

  it('stamps missing t and ingest with the receipt time, and still rejects the rest', async () => {
    const seen: unknown[] = []
    const hop = createInboundHop(
      {
        name: 'raw',
        qos: 0,
        queue: { capacity: 100, policy: 'drop-oldest' },
        handle: (_k, samples) => void seen.push(...samples),
      },
      { transport: createFakeTransport(), prefix: 'sluice', now: () => 5000 },
    )
    hop.accept(msg('sluice/esp1/temp/raw', '{"seq":3,"value":7}'), () => undefined)
    hop.accept(msg('sluice/esp1/temp/raw', '"seven"'), () => undefined)
    hop.accept(msg('sluice/esp1/raw', '{"temp":"7"}'), () => undefined)
    await hop.drain(1000)
    expect(seen).toEqual([{ seq: 3, t: 5000, value: 7, ingest: 5000 }])
    expect(hop.metrics()).toMatchObject({ rejected: 2, gaps: 0 })
  })
})
