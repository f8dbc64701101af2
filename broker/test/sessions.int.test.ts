/**
 * Persistent sessions (clean = false) are bounded (DESIGN.md §5: Aedes' per-client queue is unbounded by
 * default): a session stores at most `sessionQueueCapacity` QoS 1 messages, refuses the newest beyond
 * that and counts each refusal. With `persistence.dir` the sessions and retained messages survive a
 * broker restart.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBroker, type BrokerOptions, type RunningBroker } from '../src/internal.js'
import { sleep, waitFor } from './helpers.js'
import { connectRaw } from './raw-client.js'

const brokers: RunningBroker[] = []
const clients: MqttClient[] = []
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-sessions-'))
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function start(options: BrokerOptions) {
  const broker = await startBroker({
    port: 0,
    metricsIntervalMs: 0,
    anonymousRole: 'admin',
    ...options,
  })
  brokers.push(broker)
  return broker
}

async function connect(url: string, clientId: string, clean: boolean) {
  const c = await mqtt.connectAsync(url, { clientId, clean, reconnectPeriod: 0 })
  clients.push(c)
  return c
}

/** Leaves a persistent QoS 1 subscription behind and goes away. */
async function leaveSession(url: string, clientId: string, filter: string) {
  const c = await connect(url, clientId, false)
  await c.subscribeAsync(filter, { qos: 1 })
  await c.endAsync()
}

async function publishMany(url: string, topic: string, n: number, padBytes = 0) {
  const pub = await connect(url, 'session-publisher', true)
  for (let i = 0; i < n; i++) {
    await pub.publishAsync(topic, String(i).padEnd(padBytes, ' '), { qos: 1 })
  }
}

/** Reconnects the persistent session and collects what it is sent. */
async function resume(url: string, clientId: string) {
  const received: string[] = []
  const c = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 0 })
  clients.push(c)
  c.on('message', (_t, payload) => received.push(payload.toString()))
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve())
    c.once('error', reject)
  })
  return received
}

describe('persistent sessions', () => {
  it('bounds an offline session at sessionQueueCapacity, counting every refused message', async () => {
    const broker = await start({ sessionQueueCapacity: 50 })
    await leaveSession(broker.url, 'sleepy', 'sluice/+/+/raw')
    await publishMany(broker.url, 'sluice/d1/temp/raw', 120)
    expect(broker.metrics().sessions).toContainEqual({
      clientId: 'sleepy',
      stored: 50,
      dropped: 70,
    })
    expect(broker.metrics().messages.dropped).toBe(70)

    const received = await resume(broker.url, 'sleepy')
    await waitFor(() => received.length === 50, 5000, 'the stored messages')
    await sleep(200)
    // the oldest 50 were kept (drop-newest), in order, and nothing more
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => String(i)))
    await waitFor(
      () => broker.metrics().sessions.find((s) => s.clientId === 'sleepy')?.stored === 0,
      5000,
      'the acknowledgements to empty the session',
    )
  })

  it('keeps sessions and retained messages across a restart with persistence.dir', async () => {
    const persistence = { dir: join(dir, 'db') }
    const first = await start({ persistence })
    await leaveSession(first.url, 'durable', 'sluice/+/+/raw')
    await publishMany(first.url, 'sluice/d1/temp/raw', 5)
    const pub = await connect(first.url, 'retainer', true)
    await pub.publishAsync('sluice/d1/_ctl/rate', '{"hz":5}', { qos: 1, retain: true })
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    await first.close()
    brokers.splice(0)

    const second = await start({ persistence })
    const received = await resume(second.url, 'durable')
    await waitFor(() => received.length === 5, 5000, 'the stored messages after the restart')
    expect(received).toEqual(['0', '1', '2', '3', '4'])

    const late = await connect(second.url, 'late', true)
    const retained = new Promise<string>((resolve) =>
      late.once('message', (_t, payload) => resolve(payload.toString())),
    )
    await late.subscribeAsync('sluice/+/_ctl/rate')
    expect(await retained).toBe('{"hz":5}')
  })

  it('bounds a connected but stalled persistent subscriber without disconnecting it, and loses nothing it stored', async () => {
    const broker = await start({ sessionQueueCapacity: 1000, subscriberQueue: { capacity: 20 } })
    const raw = await connectRaw(broker.tcpPort, 'stuck', { clean: false })
    await raw.subscribe('sluice/+/+/raw', 1)
    raw.pause()
    // 20 kB each: the 1000 stored messages (20 MB) overflow the paused socket's kernel buffers, the
    // writes waiting on it and its live queue of 20
    await publishMany(broker.url, 'sluice/d1/temp/raw', 1100, 20_000)
    await waitFor(
      () => broker.metrics().subscribers.find((s) => s.clientId === 'stuck')?.in === 1000,
      5000,
      'the live queue to be offered the stored messages',
    )
    const session = broker.metrics().sessions.find((s) => s.clientId === 'stuck')!
    expect(session).toEqual({ clientId: 'stuck', stored: 1000, dropped: 100 })
    const live = broker.metrics().subscribers.find((s) => s.clientId === 'stuck')!
    // what left the live queue stays in the session store: deferred, not lost
    expect(live.dropped).toBe(0)
    expect(live.deferred).toBeGreaterThan(0)
    expect(live.out + live.deferred + live.queued).toBe(1000)

    raw.resume()
    await waitFor(
      () => {
        const now = broker.metrics().subscribers.find((s) => s.clientId === 'stuck')!
        return now.queued === 0 && now.inflight === 0 && raw.received === now.out
      },
      10_000,
      'the live deliveries',
    )
    raw.close()
    // the deferred ones come with the next connection of the session
    const again = await connectRaw(broker.tcpPort, 'stuck', { clean: false })
    await waitFor(() => raw.received + again.received === 1000, 10_000, 'every stored message')
    again.close()
  })
})

describe('delivery order with a durable persistence', () => {
  it('delivers every QoS 1 message to every subscriber, in order, though some wait for their LevelDB write', async () => {
    const broker = await start({ persistence: { dir: join(dir, 'order') } })
    // The persistent subscriber makes raw messages wait for LevelDB (Aedes enqueueOffline); the status
    // messages, which no persistent session wants, are routed at once and overtake them.
    const windowing = await connect(broker.url, 'sluice-windowing-laptop', false)
    await windowing.subscribeAsync('sluice/+/+/raw', { qos: 1 })
    const persistent: string[] = []
    windowing.on('message', (_t, p) => persistent.push(p.toString()))
    const observer = await connect(broker.url, 'observer', true)
    await observer.subscribeAsync('sluice/#', { qos: 1 })
    const observed: string[] = []
    observer.on('message', (_t, p) => observed.push(p.toString()))
    const pub = await connect(broker.url, 'publisher', true)
    const n = 1000
    for (let i = 0; i < n; i++) {
      void pub.publishAsync('sluice/dev/light/raw', `raw ${i}`, { qos: 1 })
      void pub.publishAsync('sluice/_sys/x/y/metrics', `metrics ${i}`, { qos: 1 })
      if (i % 10 === 0) await sleep(2)
    }
    await waitFor(
      () => observed.length >= 2 * n && persistent.length >= n,
      20_000,
      'every message at both subscribers',
    ).catch(() => undefined)
    // Every message, and in order on each topic [MQTT-4.6.0-6]: raw i after raw i−1.
    const inOrder = Array.from({ length: n }, (_, i) => `raw ${i}`)
    expect(observed.filter((m) => m.startsWith('raw'))).toEqual(inOrder)
    expect(observed.filter((m) => m.startsWith('metrics')).length).toBe(n)
    expect(persistent).toEqual(inOrder)
  })

  it('sends a message once to a client whose subscriptions overlap', async () => {
    const broker = await start({ persistence: { dir: join(dir, 'overlap') } })
    const sub = await connect(broker.url, 'overlapping', true)
    await sub.subscribeAsync('sluice/#', { qos: 1 })
    await sub.subscribeAsync('sluice/dev/+/raw', { qos: 1 })
    const got: string[] = []
    // The broker's own retained status also matches sluice/#: only the device's topic is counted.
    sub.on('message', (t, p) => {
      if (t === 'sluice/dev/light/raw') got.push(p.toString())
    })
    const pub = await connect(broker.url, 'publisher', true)
    for (let i = 0; i < 50; i++) await pub.publishAsync('sluice/dev/light/raw', `m${i}`, { qos: 1 })
    await waitFor(() => got.length >= 50, 5000, '50 messages')
    await sleep(300)
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`))
  })
})
