import { MeshConfigError } from '@sluice/mesh'
import { describe, expect, it } from 'vitest'
import { commands } from '../commands.js'
import {
  listenAddresses,
  parseUpArgs,
  planChildren,
  STOP_STAGE,
  UP_USAGE,
  UpOptionsSchema,
} from './plan.js'
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

  it('plans exactly the subcommands of the command table that have an up role', () => {
    const planned = planChildren(parseUpArgs([], false)).map((c) => c.command)
    const withRole = Object.entries(commands)
      .filter(([, c]) => c.up !== undefined)
      .map(([name]) => name)
    expect([...planned].sort()).toEqual([...withRole].sort())
  })

  it('documents every option in --help, generated from the schema (--host included)', () => {
    for (const key of Object.keys(UpOptionsSchema.properties))
      expect(UP_USAGE).toContain(`--${key} `)
    expect(UP_USAGE).toContain('--no-dashboard')
    expect(UP_USAGE).toContain('--no-table')
  })

  it('reads the options from SLUICE_* variables too, flags winning', () => {
    const o = parseUpArgs(['--port', '2883'], false, {
      SLUICE_WS_PORT: '9101',
      SLUICE_PORT: '1999',
    })
    expect(o).toMatchObject({ port: 2883, wsPort: 9101, table: false })
  })

  it('refuses an unknown flag, as before', () => {
    expect(() => parseUpArgs(['--sensor', '5'], false)).toThrow(/--sensor: unknown option/)
  })

  it('refuses positional words, naming them, with exit code 2', () => {
    for (const [argv, named] of [
      [['foo'], '"foo"'],
      [['--port', '2883', 'foo', 'bar'], '"foo", "bar"'],
      [['--', '--serial', 'x'], '"--serial", "x"'],
    ] as const) {
      try {
        parseUpArgs(argv, false)
        expect.unreachable(argv.join(' '))
      } catch (err) {
        expect(err).toBeInstanceOf(MeshConfigError)
        expect((err as MeshConfigError).exitCode).toBe(2)
        expect((err as Error).message).toContain(`/: unexpected argument`)
        expect((err as Error).message).toContain(named)
      }
    }
  })
})

describe('sluice up --windowing N --anomaly N', () => {
  const named = (argv: readonly string[]) =>
    planChildren(parseUpArgs(argv, false)).filter(
      (c) => c.command === 'window' || c.command === 'anomaly',
    )

  it('starts one windowing and one anomaly with their default instance ids by default', () => {
    const plan = named([])
    expect(plan.map((c) => c.name)).toEqual(['windowing', 'anomaly'])
    for (const c of plan) expect(c.args).not.toContain('--instance')
  })

  it('starts N instances of each, with their own ids, in the same stage and default group', () => {
    const plan = named(['--windowing', '3', '--anomaly', '2'])
    expect(plan.map((c) => c.name)).toEqual([
      'windowing-1',
      'windowing-2',
      'windowing-3',
      'anomaly-1',
      'anomaly-2',
    ])
    for (const c of plan) {
      expect(c.args.slice(-2)).toEqual(['--instance', c.name])
      // The group defaults to the service name: the same for every instance of a service.
      expect(c.args).not.toContain('--group')
      expect(c.stopStage).toBe(STOP_STAGE.processor)
    }
  })

  it('runs every instance as its own process with --processes, as the supervisor gets the plan', () => {
    const o = parseUpArgs(['--windowing', '2', '--processes'], false)
    expect(o.processes).toBe(true)
    expect(planChildren(o).filter((c) => c.command === 'window')).toHaveLength(2)
  })

  it('refuses a count that is not a whole number from 1 to 16, naming the flag', () => {
    for (const [value, said] of [
      ['0', /--windowing: .*greater or equal to 1/],
      ['17', /--windowing: .*less or equal to 16/],
      ['2.5', /--windowing: expected a whole number of instances, 1–16 \(got 2\.5\)/],
      ['two', /--windowing: .*\(got "two"\)/],
    ] as const)
      expect(() => parseUpArgs(['--windowing', value], false), value).toThrow(said)
    expect(() => parseUpArgs(['--anomaly', '0', '--windowing', '99'], false)).toThrow(
      /--windowing[\s\S]*--anomaly|--anomaly[\s\S]*--windowing/,
    )
  })

  it('describes both in --help', () => {
    expect(UP_USAGE).toMatch(/--windowing <number> +windowing instances \(1–16\)/)
    expect(UP_USAGE).toMatch(/--anomaly <number> +anomaly instances \(1–16\)/)
  })
})

describe('the addresses sluice up listens on, checked before anything starts', () => {
  const where = (argv: string[]) =>
    listenAddresses(parseUpArgs(argv, false)).map((a) => `${a.host}:${a.port} ${a.flag}`)

  it('the broker on --host (both its ports) and the dashboard on loopback', () => {
    expect(where(['--host', '0.0.0.0', '--port', '2883', '--ws-port', '9002'])).toEqual([
      '0.0.0.0:2883 --port',
      '0.0.0.0:9002 --ws-port',
      '127.0.0.1:8080 --dashboard-port',
    ])
  })

  it("with --nats, nats-server's two ports instead of the broker's; no dashboard, no port 0", () => {
    expect(where(['--nats', '--nats-port', '4333', '--no-dashboard', '--ws-port', '0'])).toEqual([
      '127.0.0.1:4333 --nats-port',
      '127.0.0.1:1883 --nats-mqtt-port',
    ])
    expect(where(['--ws-port', '0', '--dashboard-port', '0'])).toEqual(['127.0.0.1:1883 --port'])
  })
})
