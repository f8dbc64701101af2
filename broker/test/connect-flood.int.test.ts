/**
 * Connection slots and logins under a flood (issue 11, item 7): idle sockets that never send CONNECT,
 * many of them from one address, and a burst of wrong passwords. Each attack comes from other loopback
 * addresses (127.0.0.2, …); the real client, from 127.0.0.1, must still get in at once. Every loop is
 * bounded and stays on loopback.
 */
import type { Socket } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { addUser, startBroker, type RunningBroker } from '../src/index.js'
import { closedWithin, openIdle, tryConnect } from './raw-connect.js'

const brokers: RunningBroker[] = []
const clients: MqttClient[] = []
const sockets: Socket[] = []
let dir: string
let passwordFile: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-flood-'))
  passwordFile = join(dir, 'passwd')
  await addUser(passwordFile, 'laptop', 'the right one', 'windowing')
})

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function start(options: Parameters<typeof startBroker>[0]) {
  const broker = await startBroker({
    host: '0.0.0.0',
    port: 0,
    metricsIntervalMs: 0,
    passwordFile,
    ...options,
  })
  brokers.push(broker)
  return broker
}

/**
 * The real client: logs in from 127.0.0.1 with a 3 s CONNACK deadline of its own (before the fix it
 * waited for Aedes' 30 s connect timeout to free a slot, or for hundreds of scrypt checks).
 */
async function realClient(broker: RunningBroker) {
  const started = performance.now()
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, {
    clientId: 'sluice-windowing-laptop',
    username: 'laptop',
    password: 'the right one',
    reconnectPeriod: 0,
    connectTimeout: 3000,
  })
  clients.push(c)
  return { client: c, ms: performance.now() - started }
}

async function idleSockets(port: number, addresses: readonly string[], perAddress: number) {
  const opened: Socket[] = []
  for (const address of addresses) {
    for (let i = 0; i < perAddress; i++) {
      const s = await openIdle(port, address)
      sockets.push(s)
      opened.push(s)
    }
  }
  return opened
}

const attackers = (n: number) => Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`)

describe('connection slots', () => {
  it('closes a socket that sends no CONNECT within connectTimeoutMs, and counts it', async () => {
    const broker = await start({ connectTimeoutMs: 300 })
    const [idle] = await idleSockets(broker.tcpPort, ['127.0.0.2'], 1)
    const ms = await closedWithin(idle!)
    expect(ms).toBeLessThan(3000) // Aedes' own default was 30 s
    expect(broker.metrics().connections.refused.timeout).toBe(1)
  })

  it('lets a real client in at once while 1 100 idle sockets hold every slot', async () => {
    // The adversarial run's numbers, with the default limits (1 024 connections, 64 pending per address).
    const broker = await start({})
    await idleSockets(broker.tcpPort, attackers(18), 62) // 1 116 sockets, 62 per address
    const m = broker.metrics().connections
    expect(m.open).toBe(1024)
    expect(m.refused.evicted).toBe(1116 - 1024)
    const { client, ms } = await realClient(broker)
    expect(client.connected).toBe(true)
    console.info(`real client logged in after ${ms.toFixed(0)} ms, with 1 024 idle sockets open`)
    // once logged in it is never the one evicted to make room
    await idleSockets(broker.tcpPort, attackers(18).slice(0, 2), 20)
    expect(client.connected).toBe(true)
    expect(broker.metrics().connections.pending).toBe(1023)
  })

  it('refuses more than maxPendingPerAddress sockets from one address, not from the others', async () => {
    const broker = await start({ maxPendingPerAddress: 10 })
    const opened = await idleSockets(broker.tcpPort, ['127.0.0.2'], 30)
    await Promise.all(opened.slice(10).map((s) => closedWithin(s)))
    expect(broker.metrics().connections.refused.address).toBe(20)
    const { client } = await realClient(broker)
    expect(client.connected).toBe(true)
  })
})

describe('failed logins', () => {
  it('refuses an address that keeps failing without checking its passwords, and lets others in', async () => {
    // a slow refill, so that the count below does not depend on how long the 500 CONNECTs take here
    const broker = await start({ loginThrottle: { burst: 10, perMinute: 1 } })
    // 500 wrong-password CONNECTs at once, as in the adversarial run, from two addresses
    const codes = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        tryConnect(broker.tcpPort, `127.0.0.${2 + (i % 2)}`, `guess-${i}`, 'laptop', `wrong ${i}`),
      ),
    )
    const { client, ms } = await realClient(broker)
    expect(client.connected).toBe(true)
    console.info(`real client logged in ${ms.toFixed(0)} ms after 500 wrong passwords`)
    const refused = broker.metrics().connections.refused
    // only each address's burst cost a password check; the rest were refused at once
    expect(refused.auth).toBe(20)
    expect(refused.throttled).toBe(480)
    expect(codes.filter((c) => c === 4)).toHaveLength(20) // bad user name or password
    expect(codes.filter((c) => c === 3)).toHaveLength(480) // server unavailable (throttled)
  })

  it('does not spend the bucket on logins that succeed', async () => {
    const broker = await start({ loginThrottle: { burst: 2, perMinute: 1 } })
    for (let i = 0; i < 5; i++) {
      const code = await tryConnect(
        broker.tcpPort,
        '127.0.0.2',
        `ok-${i}`,
        'laptop',
        'the right one',
      )
      expect(code).toBe(0)
    }
    expect(await tryConnect(broker.tcpPort, '127.0.0.2', 'bad-1', 'laptop', 'x')).toBe(4)
    expect(await tryConnect(broker.tcpPort, '127.0.0.2', 'bad-2', 'laptop', 'x')).toBe(4)
    // the bucket is empty now: even the right password waits, from that address only
    expect(await tryConnect(broker.tcpPort, '127.0.0.2', 'ok-6', 'laptop', 'the right one')).toBe(3)
    expect(await tryConnect(broker.tcpPort, '127.0.0.3', 'ok-7', 'laptop', 'the right one')).toBe(0)
  })
})
