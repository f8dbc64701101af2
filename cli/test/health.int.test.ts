/**
 * `sluice health` against our broker with a users file (docs/deploy.md relies on it off loopback): the
 * right credentials, from flags or from SLUICE_USERNAME / SLUICE_PASSWORD as the services take them, pass;
 * a wrong password fails with the reason; `--service` waits for that service's retained online status and
 * its metrics, and says so when a service is "online" but silent.
 */
import { join } from 'node:path'
import { addUser, startBroker, type RunningBroker } from '@sluice/broker'
import { metricsTopic, statusTopic } from '@sluice/contract'
import { startService } from '@sluice/mesh'
import {
  KNOWN_PROGRAMS,
  requireProgram,
  startNatsServer,
  tempDir,
  type TempDir,
} from '@sluice/testkit'
import { windowingService } from '@sluice/windowing'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runHealth } from '../src/commands/health.js'

describe('sluice health with credentials', () => {
  let dir: TempDir
  let broker: RunningBroker

  beforeAll(async () => {
    dir = await tempDir('sluice-health-')
    const passwordFile = join(dir.path, 'passwd')
    await addUser(passwordFile, 'ops', 'correct horse battery', 'operator')
    await addUser(passwordFile, 'bridge', 'bridge-secret-1', 'serial-bridge')
    // A device may read only its own rate topic: the status subscription is refused.
    await addUser(passwordFile, 'esp32-1', 'device-secret-1', 'device')
    broker = await startBroker({ port: 0, passwordFile })
  })

  afterAll(async () => {
    await broker?.close()
    await dir?.remove()
  })

  it('passes with the right user and password, from flags or from the environment', async () => {
    const flags = [
      '--broker',
      broker.url,
      '--username',
      'ops',
      '--password',
      'correct horse battery',
    ]
    expect(await runHealth(flags, {})).toBe(0)
    const env = { SLUICE_USERNAME: 'ops', SLUICE_PASSWORD: 'correct horse battery' }
    expect(await runHealth(['--broker', broker.url], env)).toBe(0)
  })

  it('fails, saying why, with a wrong password', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const code = await runHealth(
        ['--broker', broker.url, '--username', 'ops', '--password', 'wrong', '--timeout', '2000'],
        {},
      )
      expect(code).toBe(1)
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^unhealthy: broker .* unreachable: /)
    } finally {
      stderr.mockRestore()
    }
  })

  it('says so when the broker refuses the status subscription, instead of blaming the service', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const flags = ['--broker', broker.url, '--service', 'windowing', '--timeout', '2000']
      const env = { SLUICE_USERNAME: 'esp32-1', SLUICE_PASSWORD: 'device-secret-1' }
      expect(await runHealth(flags, env)).toBe(1)
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(
        /refused the subscription to sluice\/_sys\/windowing\/\+\/status/,
      )
    } finally {
      stderr.mockRestore()
    }
  })

  it('checks that a service says online and is heard from, as an authenticated user', async () => {
    const bridge = await mqtt.connectAsync(broker.url, {
      clientId: 'sluice-serial-bridge-pi',
      username: 'bridge',
      password: 'bridge-secret-1',
      reconnectPeriod: 0,
    })
    const status = (state: string) =>
      JSON.stringify({ state, version: '0.1.0', host: 'pi', since: Date.now() })
    const metrics = JSON.stringify({ service: 'serial-bridge', instance: 'pi', t: 1, hops: {} })
    await bridge.publishAsync(statusTopic('sluice', 'serial-bridge', 'pi'), status('online'), {
      qos: 1,
      retain: true,
    })
    // Metrics every 200 ms, as a live service publishes them every interval.
    const ticker = setInterval(() => {
      void bridge.publishAsync(metricsTopic('sluice', 'serial-bridge', 'pi'), metrics, { qos: 0 })
    }, 200)
    const env = {
      SLUICE_BROKER: broker.url,
      SLUICE_USERNAME: 'ops',
      SLUICE_PASSWORD: 'correct horse battery',
    }
    const args = ['--service', 'serial-bridge', '--instance', 'pi']
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await runHealth(args, env)).toBe(0)
      // Another instance has no online status.
      expect(await runHealth([...args.slice(0, 3), 'lab', '--timeout', '300'], env)).toBe(1)
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('no online status from serial-bridge')
      // Silent, yet "online" in the retained status: what a host cut off the network looks like until
      // the broker publishes its last will.
      clearInterval(ticker)
      await new Promise((r) => setTimeout(r, 300))
      expect(await runHealth([...args, '--timeout', '1000'], env)).toBe(1)
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(
        /serial-bridge\/pi says online \(retained status\) but published no metrics within 1000 ms/,
      )
    } finally {
      clearInterval(ticker)
      stderr.mockRestore()
      await bridge.endAsync()
    }
  })
})

describe('sluice health arguments', () => {
  it('refuses a --timeout that is not a positive number, before connecting', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await runHealth(['--broker', 'mqtt://127.0.0.1:1', '--timeout', 'soon'], {})).toBe(2)
      expect(String(stderr.mock.calls[0]?.[0])).toContain('--timeout must be a positive number')
    } finally {
      stderr.mockRestore()
    }
  })
})

const natsServer = requireProgram('nats-server', KNOWN_PROGRAMS['nats-server']?.candidates, {
  log: null,
})
describe.skipIf(!natsServer.available)('sluice health on NATS', () => {
  it('checks a NATS server and a service on it, as the services connect (--broker nats://…)', async () => {
    const server = await startNatsServer()
    const svc = await startService(windowingService, {
      argv: ['--broker', server.url, '--logLevel', 'silent', '--instance', 'h1'],
    })
    try {
      expect(await runHealth(['--broker', server.url], {})).toBe(0)
      expect(await runHealth(['--broker', server.url, '--service', 'windowing'], {})).toBe(0)
    } finally {
      await svc.stop()
      await server.stop()
    }
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await runHealth(['--broker', server.url, '--timeout', '1000'], {})).toBe(1)
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^unhealthy: broker nats:.* unreachable: /)
    } finally {
      stderr.mockRestore()
    }
  })
})
