import { describe, expect, it } from 'vitest'
import { parseUpArgs, planChildren } from './plan.js'
import { stopStages } from './supervisor.js'

describe('sluice up plan', () => {
  it('starts the broker first and the bridge after its consumers', () => {
    const names = planChildren(parseUpArgs([], false)).map((c) => c.name)
    expect(names[0]).toBe('broker')
    expect(names.indexOf('serial-bridge')).toBeGreaterThan(names.indexOf('windowing'))
    expect(names.indexOf('serial-bridge')).toBeGreaterThan(names.indexOf('anomaly'))
    expect(names).toContain('dashboard')
  })

  it('stops in data-flow order: bridge, windowing and anomaly, forwarder and dashboard, broker', () => {
    const stages = stopStages(planChildren(parseUpArgs([], false))).map((g) =>
      g.map((c) => c.name).sort(),
    )
    expect(stages).toEqual([
      ['serial-bridge'],
      ['anomaly', 'windowing'],
      ['dashboard', 'forwarder'],
      ['broker'],
    ])
  })

  it('starts every consumer before what feeds it', () => {
    const names = planChildren(parseUpArgs([], false)).map((c) => c.name)
    expect(names.indexOf('forwarder')).toBeLessThan(names.indexOf('windowing'))
    expect(names.indexOf('forwarder')).toBeLessThan(names.indexOf('anomaly'))
    expect(names.at(-1)).toBe('serial-bridge')
  })

  it('points every service at the broker it starts', () => {
    const plan = planChildren(parseUpArgs(['--port', '2883', '--no-dashboard'], false))
    for (const c of plan.slice(1))
      expect(c.args.slice(0, 2)).toEqual(['--broker', 'mqtt://127.0.0.1:2883'])
    expect(plan.map((c) => c.name)).not.toContain('dashboard')
  })

  it('simulates sensors by default and reads the serial port when given one', () => {
    const sim = planChildren(parseUpArgs(['--sensors', '5', '--rate', '20'], false)).find(
      (c) => c.name === 'serial-bridge',
    )!
    expect(sim.args).toEqual(
      expect.arrayContaining(['--mode', 'sim', '--sim.devices', '5', '--sim.rateHz', '20']),
    )
    const serial = planChildren(
      parseUpArgs(['--serial', '/dev/ttyACM0', '--baud', '9600'], false),
    ).find((c) => c.name === 'serial-bridge')!
    expect(serial.args).toEqual(
      expect.arrayContaining(['--mode', 'serial', '--port', '/dev/ttyACM0', '--baud', '9600']),
    )
  })

  it('lists every bad flag at once', () => {
    expect(() => parseUpArgs(['--port', 'x', '--rate', '0'], false)).toThrow(/--port[\s\S]*--rate/)
  })
})
