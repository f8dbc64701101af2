/**
 * Security defaults (DESIGN.md §11) and limits: credentials off loopback, scrypt password file, the
 * per-service publish ACL, payload / connection / rate limits, a clear port-in-use error, TLS-free
 * WebSocket listener, and the broker's own status and metrics topics.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeMetrics, decodeStatus } from '@sluice/contract'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  addUser,
  NoCredentialsError,
  PortInUseError,
  startBroker,
  type RunningBroker,
} from '../src/internal.js'
import { connectRaw } from './raw-client.js'
import { sleep, waitFor } from './helpers.js'

const brokers: RunningBroker[] = []
const clients: MqttClient[] = []
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-broker-'))
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function start(options: Parameters<typeof startBroker>[0]) {
  const broker = await startBroker({ port: 0, metricsIntervalMs: 0, ...options })
  brokers.push(broker)
  return broker
}

async function client(url: string, options: mqtt.IClientOptions = {}) {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options })
  clients.push(c)
  return c
}

/** Subscribes and collects the topics of what arrives. */
async function collector(url: string, filter: string) {
  const c = await client(url, { clientId: `collector-${Math.random().toString(36).slice(2)}` })
  const topics: string[] = []
  c.on('message', (topic) => topics.push(topic))
  await c.subscribeAsync(filter, { qos: 1 })
  return topics
}

describe('authentication', () => {
  it('refuses an anonymous client with CONNACK "not authorized" on a non-loopback listener', async () => {
    const file = join(dir, 'passwd-anon')
    await addUser(file, 'ops', 'pw', 'operator')
    // Bound to every interface, reached through 127.0.0.1: the listener address decides, not the peer's.
    const broker = await start({ host: '0.0.0.0', passwordFile: file })
    const raw = await connectRaw(broker.tcpPort, 'anon')
    expect(raw.connackCode).toBe(5)
    raw.close()
    expect(broker.metrics().connections.refused.auth).toBe(1)
  })

  it('refuses to start off loopback with no user to log in as, saying what to do', async () => {
    // It used to start and refuse every client without a word (issue 11, item 11).
    const attempt = startBroker({ host: '0.0.0.0', port: 0, metricsIntervalMs: 0 })
    await expect(attempt).rejects.toBeInstanceOf(NoCredentialsError)
    await expect(attempt).rejects.toMatchObject({ code: 'SLUICE_ERR_BROKER_NO_CREDENTIALS' })
    await expect(attempt).rejects.toThrow(/sluice broker passwd[\s\S]*--allow-anonymous/)
    const empty = join(dir, 'passwd-empty')
    await writeFile(empty, '# no users yet\n')
    await expect(
      startBroker({ host: '0.0.0.0', port: 0, metricsIntervalMs: 0, passwordFile: empty }),
    ).rejects.toThrow(`the password file ${empty} has no users`)
  })

  it('lets anonymous clients in off loopback only with allowAnonymous', async () => {
    const broker = await start({ host: '0.0.0.0', allowAnonymous: true })
    const raw = await connectRaw(broker.tcpPort, 'anon')
    expect(raw.connackCode).toBe(0)
    raw.close()
  })

  it('accepts a user from the password file and refuses a wrong password', async () => {
    const file = join(dir, 'passwd')
    await addUser(file, 'pi-bridge', 'correct horse', 'serial-bridge')
    const broker = await start({ host: '0.0.0.0', passwordFile: file })
    const good = await client(broker.url, { username: 'pi-bridge', password: 'correct horse' })
    expect(good.connected).toBe(true)
    await expect(
      mqtt.connectAsync(broker.url, {
        username: 'pi-bridge',
        password: 'wrong',
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Bad username or password/i)
    expect(broker.metrics().connections.refused.auth).toBe(1)
  })
})

describe('publish ACL', () => {
  it('discards and counts a publish outside the service ACL, and delivers the ones inside it', async () => {
    const broker = await start({})
    const seen = await collector(broker.url, 'sluice/#')
    const anomaly = await client(broker.url, { clientId: 'sluice-anomaly-a1' })
    await anomaly.publishAsync('sluice/dev1/temp/raw', '{}', { qos: 1 }) // not its topic
    await anomaly.publishAsync('sluice/_sys/windowing/w1/status', '{}', { qos: 1 }) // another service's
    await anomaly.publishAsync('sluice/dev1/temp/anomaly', '{}', { qos: 1 })
    await anomaly.publishAsync('sluice/_sys/anomaly/a1/metrics', '{}', { qos: 1 })
    await waitFor(
      () => seen.includes('sluice/_sys/anomaly/a1/metrics'),
      5000,
      'the allowed messages',
    )
    await sleep(100)
    expect(seen.filter((t) => !t.startsWith('sluice/_sys/broker/'))).toEqual([
      'sluice/dev1/temp/anomaly',
      'sluice/_sys/anomaly/a1/metrics',
    ])
    expect(broker.metrics().messages.refused.acl).toBe(2)
    // acknowledged and discarded, not disconnected [MQTT-3.3.5-2]
    expect(anomaly.connected).toBe(true)
  })

  it('treats an unknown anonymous client as an operator: rate commands only', async () => {
    const broker = await start({})
    const seen = await collector(broker.url, 'sluice/#')
    const op = await client(broker.url, { clientId: 'laptop-1' })
    await op.publishAsync('sluice/dev1/temp/raw', '{}', { qos: 1 })
    await op.publishAsync('sluice/dev1/_ctl/rate', '{"hz":10}', { qos: 1 })
    await waitFor(() => seen.includes('sluice/dev1/_ctl/rate'), 5000, 'the rate command')
    expect(seen).not.toContain('sluice/dev1/temp/raw')
    expect(broker.metrics().messages.refused.acl).toBe(1)
  })
})

describe('read ACL', () => {
  it('keeps $SYS (client ids, subscriptions) from every role but admin, and the mesh topics open', async () => {
    const file = join(dir, 'passwd-read')
    await addUser(file, 'dash', 'dash-pw', 'dashboard')
    await addUser(file, 'root', 'root-pw', 'admin')
    const broker = await start({ host: '0.0.0.0', passwordFile: file })
    const dash = await client(broker.url, {
      username: 'dash',
      password: 'dash-pw',
      clientId: 'sluice-dashboard-d1',
    })
    const dashSeen: string[] = []
    dash.on('message', (t) => dashSeen.push(t))
    expect((await dash.subscribeAsync('#', { qos: 0 }))[0]?.qos).toBe(0)
    // SUBACK 0x80 (mqtt.js turns it into an error)
    await expect(dash.subscribeAsync('$SYS/#')).rejects.toThrow(/Subscribe error/)
    await expect(dash.subscribeAsync('$SYS/+/new/clients')).rejects.toThrow(/Subscribe error/)
    const root = await client(broker.url, {
      username: 'root',
      password: 'root-pw',
      clientId: 'ops',
    })
    const rootSeen: string[] = []
    root.on('message', (t) => rootSeen.push(t))
    expect((await root.subscribeAsync('$SYS/#'))[0]?.qos).toBe(0)
    // a new client is announced on $SYS/<broker id>/new/clients with its id
    await client(broker.url, { username: 'dash', password: 'dash-pw', clientId: 'newcomer' })
    await waitFor(() => rootSeen.some((t) => t.endsWith('/new/clients')), 5000, '$SYS for admin')
    await root.publishAsync('sluice/dev1/_ctl/rate', '{"hz":5}')
    await waitFor(() => dashSeen.includes('sluice/dev1/_ctl/rate'), 5000, 'a mesh topic on #')
    expect(dashSeen.filter((t) => t.startsWith('$'))).toEqual([])
    expect(broker.metrics().messages.subscriptionsRefused).toBe(2)
  })
})

describe('limits', () => {
  it('discards and counts a payload over maxPayloadBytes', async () => {
    const broker = await start({ maxPayloadBytes: 100, anonymousRole: 'admin' })
    const seen = await collector(broker.url, 'sluice/+/+/raw')
    const pub = await client(broker.url)
    await pub.publishAsync('sluice/big/x/raw', Buffer.alloc(101), { qos: 1 })
    await pub.publishAsync('sluice/small/x/raw', Buffer.alloc(100), { qos: 1 })
    await waitFor(() => seen.length === 1, 5000, 'the small message')
    await sleep(100)
    expect(seen).toEqual(['sluice/small/x/raw'])
    expect(broker.metrics().messages.refused.payload).toBe(1)
  })

  it('closes connections over maxConnections and counts them', async () => {
    const broker = await start({ maxConnections: 1 })
    const first = await connectRaw(broker.tcpPort, 'first')
    await expect(connectRaw(broker.tcpPort, 'second')).rejects.toThrow()
    expect(broker.metrics().connections.refused.limit).toBe(1)
    first.close()
  })

  it('delays, and does not drop, a client publishing over its message rate', async () => {
    const broker = await start({ maxMessagesPerSecond: 200, anonymousRole: 'admin' })
    const seen = await collector(broker.url, 'sluice/+/+/raw')
    const pub = await client(broker.url)
    for (let i = 0; i < 400; i++) pub.publish('sluice/d/c/raw', String(i), { qos: 0 })
    await waitFor(() => seen.length === 400, 10_000, 'all 400 messages')
    expect(broker.metrics().messages.throttled).toBeGreaterThan(0)
  })

  it('explains a port already in use', async () => {
    const first = await start({})
    const attempt = startBroker({ port: first.tcpPort, metricsIntervalMs: 0 })
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError)
    await expect(attempt).rejects.toThrow(
      `port ${first.tcpPort} is in use — another MQTT broker such as Mosquitto may be running; use --port, or point Sluice at it with --broker mqtt://`,
    )
  })
})

describe('listeners and self-reporting', () => {
  it('serves MQTT over WebSocket on /mqtt', async () => {
    const broker = await start({ wsPort: 0, anonymousRole: 'admin' })
    expect(broker.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/)
    const wsClient = await client(broker.wsUrl!)
    await wsClient.subscribeAsync('sluice/ws/x/raw')
    const got = new Promise<string>((resolve) =>
      wsClient.once('message', (_t, p) => resolve(p.toString())),
    )
    const tcpClient = await client(broker.url)
    await tcpClient.publishAsync('sluice/ws/x/raw', 'over-ws')
    expect(await got).toBe('over-ws')
  })

  it('publishes its retained status and its metrics under _sys/broker, valid against the contract', async () => {
    const broker = await start({ metricsIntervalMs: 50, instance: 'b1' })
    const c = await client(broker.url)
    const messages = new Map<string, unknown>()
    const raw = new Map<string, Buffer>()
    c.on('message', (topic, payload) => {
      messages.set(topic, JSON.parse(payload.toString()))
      raw.set(topic, payload)
    })
    await c.subscribeAsync('sluice/_sys/broker/b1/+')
    // the second metrics message has this subscriber's own queue in it, as a hop
    await waitFor(
      () =>
        Object.keys(
          (messages.get('sluice/_sys/broker/b1/metrics') as { hops?: object } | undefined)?.hops ??
            {},
        ).length > 0,
      5000,
      'a metrics message with a hop',
    )
    const metrics = decodeMetrics(raw.get('sluice/_sys/broker/b1/metrics')!)
    expect(metrics.ok, metrics.ok ? '' : metrics.error.message).toBe(true)
    expect(decodeStatus(raw.get('sluice/_sys/broker/b1/status')!).ok).toBe(true)
    expect(messages.get('sluice/_sys/broker/b1/status')).toMatchObject({
      state: 'online',
      service: 'broker',
    })
    expect(messages.get('sluice/_sys/broker/b1/metrics')).toMatchObject({
      service: 'broker',
      instance: 'b1',
      clients: 1,
    })
  })
})
