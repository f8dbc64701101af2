/**
 * Service client ids are bound to credentials (issue 11, item 6). Before, any user could connect as
 * `sluice-windowing-laptop`, knock the real service off and take its stored session; and a password user
 * could publish the status of any instance of its role.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { addUser, startBroker, type RunningBroker } from '../src/index.js'
import { sleep, waitFor } from './helpers.js'

const brokers: RunningBroker[] = []
const clients: MqttClient[] = []
let dir: string
let passwordFile: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-client-id-'))
  passwordFile = join(dir, 'passwd')
  await addUser(passwordFile, 'win', 'win-pw', 'windowing')
  await addUser(passwordFile, 'win-pi', 'win-pi-pw', 'windowing', 'pi')
  await addUser(passwordFile, 'anom', 'anom-pw', 'anomaly')
  await addUser(passwordFile, 'root', 'root-pw', 'admin')
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function start() {
  const broker = await startBroker({ host: '0.0.0.0', port: 0, metricsIntervalMs: 0, passwordFile })
  brokers.push(broker)
  return broker
}

async function client(broker: RunningBroker, options: mqtt.IClientOptions) {
  const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, ...options })
  clients.push(c)
  return c
}

const as = (username: string, clientId: string, clean = true) => ({
  username,
  password: `${username}-pw`,
  clientId,
  clean,
})

describe('service client ids', () => {
  it('refuses an impostor, which then neither knocks the service off nor gets its session', async () => {
    const broker = await start()
    const real = await client(broker, as('win', 'sluice-windowing-laptop', false))
    await real.subscribeAsync('sluice/+/+/raw', { qos: 1 })
    let kicked = false
    real.on('close', () => (kicked = true))
    // another user's attempt while the service is connected
    await expect(
      mqtt.connectAsync(broker.url, {
        ...as('anom', 'sluice-windowing-laptop', false),
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Not authorized/i)
    await sleep(200)
    expect(kicked).toBe(false)
    await real.endAsync()

    // five messages queue in the service's stored session …
    const tool = await client(broker, as('root', 'tool'))
    for (let i = 0; i < 5; i++) await tool.publishAsync('sluice/d/c/raw', String(i), { qos: 1 })
    // … an impostor asks for that session, and is refused
    await expect(
      mqtt.connectAsync(broker.url, {
        ...as('anom', 'sluice-windowing-laptop', false),
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Not authorized/i)
    // … and all five still go to the service when it comes back
    const back = mqtt.connect(broker.url, {
      ...as('win', 'sluice-windowing-laptop', false),
      reconnectPeriod: 0,
    })
    clients.push(back)
    const got: string[] = []
    back.on('message', (_t, p) => got.push(p.toString()))
    await waitFor(() => got.length === 5, 5000, 'the five queued messages')
    expect(got).toEqual(['0', '1', '2', '3', '4'])
    expect(broker.metrics().connections.refused.clientId).toBe(2)
  })

  it('binds a user that names an instance to that instance', async () => {
    const broker = await start()
    await expect(
      mqtt.connectAsync(broker.url, {
        ...as('win-pi', 'sluice-windowing-laptop'),
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Not authorized/i)
    const pi = await client(broker, as('win-pi', 'sluice-windowing-pi'))
    expect(pi.connected).toBe(true)
  })

  it('refuses an admin, too: a service id needs a credential of that service', async () => {
    const broker = await start()
    await expect(
      mqtt.connectAsync(broker.url, { ...as('root', 'sluice-anomaly-a1'), reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized/i)
  })

  it('refuses an anonymous service id on loopback once users are configured', async () => {
    const broker = await startBroker({ port: 0, metricsIntervalMs: 0, passwordFile })
    brokers.push(broker)
    await expect(
      mqtt.connectAsync(broker.url, { clientId: 'sluice-windowing-laptop', reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized/i)
    const anon = await client(broker, { clientId: 'mosquitto_sub-1' })
    expect(anon.connected).toBe(true)
  })
})

describe('status of its own instance only', () => {
  it('lets a password user publish _sys topics only for the instance it connected as', async () => {
    const broker = await start()
    const seen: string[] = []
    const watcher = await client(broker, as('root', 'watcher'))
    watcher.on('message', (t) => seen.push(t))
    await watcher.subscribeAsync('sluice/_sys/windowing/#', { qos: 1 })
    const laptop = await client(broker, as('win', 'sluice-windowing-laptop'))
    await laptop.publishAsync('sluice/_sys/windowing/pi/status', 'forged', { qos: 1 })
    await laptop.publishAsync('sluice/_sys/windowing/laptop/status', 'own', { qos: 1 })
    // a windowing user under a client id that names no instance has no _sys topics at all
    const tool = await client(broker, as('win', 'win-tool'))
    await tool.publishAsync('sluice/_sys/windowing/laptop/status', 'forged', { qos: 1 })
    await tool.publishAsync('sluice/d/c/window/w5s', '{}', { qos: 1 }) // its role's data topics
    await waitFor(() => seen.length >= 1, 5000, 'the own status')
    await sleep(200)
    expect(seen).toEqual(['sluice/_sys/windowing/laptop/status'])
    expect(broker.metrics().messages.refused.acl).toBe(2)
  })
})
