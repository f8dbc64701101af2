import { describe, expect, it } from 'vitest'
import { createSimSource, type SimSourceOptions } from './sim-source.js'
import type { Reading } from './source.js'

const base: SimSourceOptions = {
  devices: ['sim-1', 'sim-2'],
  channels: ['light', 'temp'],
  rateHz: 100,
  seed: 1,
  base: 500,
  amplitude: 100,
  periodMs: 60_000,
  trendPerSecond: 0,
  noiseStd: 5,
  anomalyEvery: 50,
  spike: 150,
  shift: 80,
  drift: 80,
  tickMs: 10,
}

describe('createSimSource', () => {
  it('produces readings for every device with all channels, driven by the clock passed in', async () => {
    let clock = 1_000_000
    const readings: Reading[] = []
    const sim = createSimSource({ ...base, now: () => clock })
    await sim.start({ reading: (r) => readings.push(r), congestion: () => 0 })
    clock += 1000
    await new Promise((r) => setTimeout(r, 30))
    await sim.stop()
    const d1 = readings.filter((r) => r.device === 'sim-1')
    expect(d1.map((r) => r.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i))
    expect(readings.filter((r) => r.device === 'sim-2')).toHaveLength(101)
    expect(d1.every((r) => r.values.length === 2)).toBe(true)
    // light on the ADC scale in integers; temp on its own scale (°C, two decimals), anomalies scaled too.
    expect(d1.every((r) => Number.isInteger(r.values[0]) && r.values[0]! > 100)).toBe(true)
    expect(d1.every((r) => Math.abs(r.values[1]! - 21) < 15)).toBe(true)
    expect(
      d1.every((r) => Math.abs(r.values[1]! * 100 - Math.round(r.values[1]! * 100)) < 1e-6),
    ).toBe(true)
    expect(sim.injected().filter((a) => a.t !== undefined).length).toBeGreaterThan(0)
  })

  it('applies a rate command to a simulated device and refuses unknown devices', () => {
    const sim = createSimSource(base)
    expect(sim.setRate('sim-2', 25)).toBe('applied')
    expect(sim.simulator.rate('sim-2')).toBe(25)
    expect(sim.setRate('nope', 25)).toBe('unknown-device')
  })

  it('pauses while the outbound queue is nearly full and catches up after', async () => {
    let clock = 0
    let congestion = 1
    const readings: Reading[] = []
    const sim = createSimSource({ ...base, devices: ['s'], now: () => clock })
    await sim.start({ reading: (r) => readings.push(r), congestion: () => congestion })
    clock = 500
    await new Promise((r) => setTimeout(r, 30))
    expect(readings).toHaveLength(0)
    congestion = 0
    await new Promise((r) => setTimeout(r, 30))
    await sim.stop()
    expect(readings.map((r) => r.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i))
  })

  it('catches up no faster than the outbound queue has room, every device in turn', async () => {
    let clock = 0
    // A queue of 1 000 samples that drains only when the test says so.
    let used = 0
    const readings: Reading[] = []
    const sim = createSimSource({ ...base, devices: ['s', 't'], now: () => clock })
    await sim.start({
      reading: (r) => {
        readings.push(r)
        used += r.values.length
      },
      congestion: () => used / 1000,
      room: () => 1000 - used,
    })
    clock = 60_000 // a minute behind: 6 001 lines per device are due
    await new Promise((r) => setTimeout(r, 30))
    expect(used).toBe(1000)
    expect(readings.filter((r) => r.device === 't')).toHaveLength(250)
    for (let i = 0; i < 200 && readings.length < 2 * 6001; i++) {
      used = 0
      await new Promise((r) => setTimeout(r, 15))
      expect(used).toBeLessThanOrEqual(1000)
    }
    await sim.stop()
    for (const device of ['s', 't'])
      expect(readings.filter((r) => r.device === device).map((r) => r.seq)).toEqual(
        Array.from({ length: 6001 }, (_, i) => i),
      )
  })
})
