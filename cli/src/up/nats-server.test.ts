import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { MeshConfigError } from '@sluice/mesh'
import { describe, expect, it } from 'vitest'
import { NatsServerMissingError } from '../errors.js'
import { findNatsServer, formatNatsLogLine, planNatsServer } from './nats-server.js'
import { parseUpArgs, planChildren, STOP_STAGE, UP_USAGE } from './plan.js'

describe('sluice up --nats plan', () => {
  it('plans no embedded broker and points every service at nats://127.0.0.1:<nats-port>', () => {
    const plan = planChildren(parseUpArgs(['--nats', '--nats-port', '4333'], false))
    expect(plan.map((c) => c.command)).not.toContain('broker')
    expect(plan.length).toBeGreaterThan(0)
    for (const c of plan) expect(c.args.slice(0, 2)).toEqual(['--broker', 'nats://127.0.0.1:4333'])
  })

  it('runs nats-server with JetStream under the data dir and its MQTT listener, stopped last', () => {
    const o = parseUpArgs(['--nats', '--data-dir', 'd', '--nats-mqtt-port', '1999'], false)
    const nats = planNatsServer(o, '/usr/sbin/nats-server')
    expect(nats.child).toEqual({
      name: 'nats-server',
      command: '/usr/sbin/nats-server',
      args: ['-c', join(resolve('d'), 'nats', 'nats-server.conf')],
      stopStage: STOP_STAGE.broker,
    })
    expect(nats.storeDir).toBe(resolve('d', 'nats'))
    expect(nats.config).toContain(`store_dir: "${resolve('d', 'nats')}"`)
    expect(nats.config).toContain('listen: "127.0.0.1:4222"')
    expect(nats.config).toMatch(/mqtt \{\n {2}listen: "127\.0\.0\.1:1999"/)
    expect(nats.url).toBe('nats://127.0.0.1:4222')
    expect(nats.mqttUrl).toBe('mqtt://127.0.0.1:1999')
    // Every service stops before nats-server.
    for (const c of planChildren(o)) expect(c.stopStage).toBeLessThan(nats.child.stopStage)
  })

  it('keeps the embedded broker without --nats', () => {
    const o = parseUpArgs([], false)
    expect(o).toMatchObject({ nats: false, natsPort: 4222, natsMqttPort: 1883 })
    expect(planChildren(o)[0]!.command).toBe('broker')
  })

  it('refuses a --host beyond loopback and equal NATS ports, listing both', () => {
    try {
      parseUpArgs(['--nats', '--host', '0.0.0.0', '--nats-mqtt-port', '4222'], false)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(MeshConfigError)
      expect((err as MeshConfigError).exitCode).toBe(2)
      expect((err as Error).message).toMatch(
        /--host: with --nats[\s\S]*--nats-mqtt-port: must differ/,
      )
    }
  })

  it('describes the NATS options in --help', () => {
    expect(UP_USAGE).toMatch(/--nats <boolean> +run the installed nats-server/)
    expect(UP_USAGE).toMatch(/--nats-port <integer> .*\(default 4222\)/)
    expect(UP_USAGE).toMatch(/--nats-mqtt-port <integer> .*\(default 1883\)/)
    expect(UP_USAGE).toMatch(/--nats-server <string> /)
  })
})

describe('findNatsServer', () => {
  it('says to apt install nats-server when it is on neither PATH nor the usual places', () => {
    try {
      findNatsServer(undefined, { PATH: '' }, [])
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(NatsServerMissingError)
      expect((err as NatsServerMissingError).code).toBe('SLUICE_ERR_CLI_NATS_SERVER_MISSING')
      expect((err as Error).message).toContain('apt install nats-server')
    }
  })

  it('refuses a --nats-server that is not an executable file', () => {
    expect(() => findNatsServer('/nonexistent/nats-server', {})).toThrow(
      /--nats-server \/nonexistent\/nats-server is not an executable file/,
    )
  })

  it('finds an executable nats-server on PATH before the usual places', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-nats-path-'))
    try {
      writeFileSync(join(dir, 'nats-server'), '#!/bin/sh\n', { mode: 0o755 })
      expect(findNatsServer(undefined, { PATH: dir }, ['/usr/sbin'])).toBe(join(dir, 'nats-server'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('formatNatsLogLine', () => {
  it('shows a nats-server log line like a service line, and passes other lines through', () => {
    const local = new Date(2026, 11, 3, 14, 36, 53).toISOString().slice(11, 19)
    expect(formatNatsLogLine('[28211] 2026/12/03 14:36:53.064752 [WRN] Server is ready')).toBe(
      `${local} nats-server   WARN  Server is ready`,
    )
    expect(formatNatsLogLine('plain')).toBe('nats-server   plain')
  })
})
