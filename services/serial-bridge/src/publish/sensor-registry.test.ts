import { decodeSensors } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { createSensorRegistry } from './sensor-registry.js'

/** A registry over a recording publish; `fail` makes every publish reject. */
function recorded(devices: readonly string[], fail = false) {
  const sent: { topic: string; payload: string }[] = []
  const warnings: string[] = []
  const noop = (): void => undefined
  const registry = createSensorRegistry({
    prefix: 'sluice',
    service: 'serial-bridge',
    instance: 'b1',
    devices,
    now: () => 1000,
    publish: (topic, payload) => {
      sent.push({ topic, payload })
      return fail ? Promise.reject(new Error('offline')) : Promise.resolve()
    },
    logger: {
      error: noop,
      info: noop,
      debug: noop,
      warn: (o: object | string) =>
        void warnings.push(typeof o === 'string' ? o : JSON.stringify(o)),
    },
  })
  return { registry, sent, warnings }
}

describe('sensor registry', () => {
  it('announces every device with its channels, on its own topic, as a valid record', () => {
    const { registry, sent } = recorded(['sim-1', 'sim-2'])
    registry.sync(['light', 'temp'])
    expect(sent.map((m) => m.topic)).toEqual([
      'sluice/_sys/serial-bridge/b1/sensors/sim-1',
      'sluice/_sys/serial-bridge/b1/sensors/sim-2',
    ])
    const r = decodeSensors(sent[1]!.payload)
    expect(r.ok && r.value).toEqual({ device: 'sim-2', channels: ['light', 'temp'], t: 1000 })
  })

  it('announces nothing again while the channels stay the same, even in a new array', () => {
    const { registry, sent } = recorded(['d'])
    const channels = ['a', 'b']
    registry.sync(channels)
    registry.sync(channels)
    registry.sync(['a', 'b'])
    expect(sent).toHaveLength(1)
  })

  it('announces again when the channels change, and not while none are known', () => {
    const { registry, sent } = recorded(['d'])
    registry.sync([])
    expect(sent).toHaveLength(0)
    registry.sync(['a'])
    registry.sync(['a', 'b'])
    expect(sent.map((m) => (JSON.parse(m.payload) as { channels: string[] }).channels)).toEqual([
      ['a'],
      ['a', 'b'],
    ])
    expect(registry.announced).toEqual(['a', 'b'])
  })

  it('republishes the last announcement after a reconnect, and nothing before the first', () => {
    const { registry, sent } = recorded(['d'])
    registry.republish()
    expect(sent).toHaveLength(0)
    registry.sync(['a'])
    registry.republish()
    expect(sent).toHaveLength(2)
    expect(sent[1]!.payload).toBe(sent[0]!.payload)
  })

  it('logs a publish that fails instead of leaving the promise unhandled', async () => {
    const { registry, warnings } = recorded(['d'], true)
    registry.sync(['a'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings).toHaveLength(1)
  })
})
