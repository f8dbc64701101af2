import { describe, expect, it } from 'vitest'
import { createFakeTransport } from '../../test/fake-transport.js'
import { silentLogger } from '../logger.js'
import { createInboundHop, type InboundHopSpec } from './inbound-hop.js'
import { createSensorIntake, type SensorIntakeSpec } from './sensor-intake.js'

const msg = (topic: string, payload: string) => ({
  topic,
  payload: Buffer.from(payload),
  qos: 0 as const,
  retain: false,
})

function intake(overrides: Partial<SensorIntakeSpec> = {}) {
  const calls: [string, number][] = []
  const transport = createFakeTransport()
  const ctx = {
    prefix: 'sluice',
    log: silentLogger,
    inbound: (spec: InboundHopSpec) => createInboundHop(spec, { transport, prefix: 'sluice' }),
  }
  const s = createSensorIntake(ctx, {
    qos: 0,
    queue: { capacity: 100, policy: 'drop-oldest' },
    devices: ['+'],
    maxSensors: 2,
    handle: (key, samples) => void calls.push([key, samples.length]),
    ...overrides,
  })
  return { s, calls }
}

describe('a per-sensor intake', () => {
  it('subscribes to the raw and device topics of each device it owns', () => {
    const { s } = intake({ devices: ['uno', 'esp1'] })
    expect(s.hop.name).toBe('raw')
    expect(s.hop.filters).toEqual([
      'sluice/uno/+/raw',
      'sluice/uno/raw',
      'sluice/esp1/+/raw',
      'sluice/esp1/raw',
    ])
  })

  it('refuses the samples of sensors beyond maxSensors and counts them on its hop as max-sensors', async () => {
    const { s, calls } = intake()
    const t = Date.now()
    const batch = (seq: number) =>
      JSON.stringify({ seq: [seq, seq + 1], t: [t, t], value: [1, 2], ingest: [t, t] })
    s.hop.accept(msg('sluice/a/x/raw', batch(1)), () => undefined)
    s.hop.accept(msg('sluice/b/x/raw', batch(1)), () => undefined)
    s.hop.accept(msg('sluice/c/x/raw', batch(1)), () => undefined)
    s.hop.accept(msg('sluice/a/x/raw', batch(3)), () => undefined)
    await s.hop.drain(1000)
    expect(calls).toEqual([
      ['a/x', 2],
      ['b/x', 2],
      ['a/x', 2],
    ])
    expect([s.sensors, s.refused]).toEqual([2, 2])
    const m = s.hop.metrics()
    expect(m).toMatchObject({ in: 8, out: 6, dropped: { 'max-sensors': 2 }, unexplainedLoss: 0 })
  })
})
