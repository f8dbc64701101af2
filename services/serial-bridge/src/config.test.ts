import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import {
  SerialBridgeConfigSchema,
  deviceIdFromFile,
  resolveBridgeConfig,
  type SerialBridgeConfig,
} from './config.js'

function config(over: Partial<SerialBridgeConfig> = {}): SerialBridgeConfig {
  return { ...(Value.Default(SerialBridgeConfigSchema, {}) as SerialBridgeConfig), ...over }
}

describe('SerialBridgeConfigSchema', () => {
  it('holds working defaults: serial at 115200 baud, 2 s reset wait, batches of 100 or 50 ms', () => {
    const c = config()
    expect(Value.Check(SerialBridgeConfigSchema, c)).toBe(true)
    expect(c).toMatchObject({
      mode: 'serial',
      baud: 115200,
      resetDelayMs: 2000,
      checksum: 'optional',
      batch: { maxSamples: 100, maxDelayMs: 50 },
      mismatch: { window: 25, threshold: 20, withinMs: 2000 },
      replay: { speed: 1, time: 'recorded', loop: false },
    })
  })
})

describe('resolveBridgeConfig', () => {
  it('fills in mode-dependent device ids and channels', () => {
    expect(resolveBridgeConfig(config({ port: '/dev/ttyACM0' }))).toEqual({
      mode: 'serial',
      devices: ['arduino'],
      channels: ['light'],
    })
    const sim = config({ mode: 'sim', channels: 'light,temp' })
    expect(resolveBridgeConfig({ ...sim, sim: { ...sim.sim, devices: 3 } }).devices).toEqual([
      'sim-1',
      'sim-2',
      'sim-3',
    ])
    const replay = config({ mode: 'replay' })
    expect(
      resolveBridgeConfig({
        ...replay,
        replay: { ...replay.replay, file: '/data/Machine Temp.csv' },
      }),
    ).toEqual({
      mode: 'replay',
      devices: ['machine-temp'],
      channels: [],
    })
  })

  it('lists every inconsistency at once', () => {
    const bad = config({ channels: 'light,light', ranges: { temp: { min: 5, max: 1 } } })
    expect(() =>
      resolveBridgeConfig({ ...bad, mismatch: { window: 5, threshold: 9, withinMs: 100 } }),
    ).toThrow(
      /5 problems[\s\S]*port: serial mode needs a port[\s\S]*mismatch.threshold: cannot exceed[\s\S]*channels: repeats[\s\S]*ranges.temp: no such channel[\s\S]*ranges.temp: min 5 is above max 1/,
    )
  })

  it('makes device ids from file names', () => {
    expect(deviceIdFromFile('nab/realKnownCause/ambient_temperature_system_failure.csv')).toBe(
      'ambient_temperature_system_failure',
    )
    expect(deviceIdFromFile('___.csv')).toBe('replay')
  })
})
