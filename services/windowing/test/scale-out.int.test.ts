/**
 * Scale-out of the windowing service (issue 13, DESIGN.md §12), on our broker and on Mosquitto: several
 * instances in one group share 300 sensors. Every sensor is owned by one instance, every aggregate is
 * published once, a joiner takes about a quarter of the sensors, a graceful leave moves sensors with
 * their open windows (the aggregates equal those of one instance fed everything), a kill -9 is covered
 * again within a bound with its loss counted, and a broker restart moves nothing.
 */
import { startBroker, type RunningBroker } from '@sluice/broker'
import {
  decodeWindow,
  encodeText,
  rawTopic,
  sensorsTopic,
  windowFilter,
  type WindowAggregate,
} from '@sluice/contract'
import type { GroupMetrics } from '@sluice/contract'
import { createMqttTransport, startService, type ServiceHandle, type Transport } from '@sluice/mesh'
import { KNOWN_PROGRAMS, requireProgram, startMosquitto } from '@sluice/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { windowingService } from '../src/index.js'
import { createSensorWindows } from '../src/internal.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const DEVICES = 100
const CHANNELS = 3
const SENSORS = Array.from({ length: DEVICES * CHANNELS }, (_, i) => ({
  device: `d${String(Math.floor(i / CHANNELS))}`,
  channel: `c${String(i % CHANNELS)}`,
}))
const keyOf = (s: { device: string; channel: string }) => `${s.device}/${s.channel}`
const WINDOWS = {
  tumble: { type: 'count' as const, size: 8, stride: 8 },
  slide: { type: 'count' as const, size: 8, stride: 4 },
}
const T0 = Date.now()
/** Event time of sample `seq`: fixed, so the expected aggregates can be computed offline. */
const timeOf = (seq: number) => T0 + seq * 100

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

type Windowing = ServiceHandle<typeof windowingService.configSchema>
type Agg = WindowAggregate & { key: string }

/** One test's mesh: a broker, a feeder, an observer of every aggregate, and the instances. */
function createMesh(url: () => string) {
  const instances: Windowing[] = []
  const aggregates: Agg[] = []
  let feeder: Transport | undefined
  let observer: Transport | undefined
  let seq = 0
  let feeding: Promise<void> | undefined
  let running = false

  const start = (instance: string) =>
    startService(windowingService, {
      argv: ['--broker', url(), '--logLevel', 'silent'],
      overrides: {
        instance,
        windows: structuredClone(WINDOWS),
        idleAfterMs: 0,
        metricsIntervalMs: 250,
        scaleOut: { settleMs: 400, overlapMs: 600, handoverTimeoutMs: 4000, checkpointMs: 500 },
      },
    }).then((h) => (instances.push(h), h))

  async function connect(): Promise<void> {
    // Our broker lets `sluice-serial-bridge-*` publish raw samples and registry records (its ACL).
    await feeder?.close({ graceful: false })
    await observer?.close({ graceful: false })
    feeder = createMqttTransport({ url: url(), clientId: 'sluice-serial-bridge-feed' })
    observer = createMqttTransport({ url: url(), clientId: 'scale-observer' })
    observer.onMessage((m, ack) => {
      const r = decodeWindow(m.payload)
      if (r.ok) aggregates.push({ ...r.value, key: m.topic.split('/').slice(1, 3).join('/') })
      ack()
    })
    await feeder.connect()
    await observer.connect()
    await observer.subscribe(windowFilter('sluice'), 1)
    for (let d = 0; d < DEVICES; d++) {
      const device = `d${String(d)}`
      const record = { device, channels: ['c0', 'c1', 'c2'], t: Date.now() }
      await feeder.publish(
        sensorsTopic('sluice', 'serial-bridge', 'feed', device),
        encodeText(record),
        {
          qos: 1,
          retain: true,
        },
      )
    }
  }

  /** One sample of every sensor every `periodMs`, at QoS 1. */
  function feed(periodMs: number): void {
    running = true
    feeding = (async () => {
      while (running) {
        seq++
        const now = Date.now()
        const payload = JSON.stringify({ seq, t: timeOf(seq), value: seq % 17, ingest: now })
        await Promise.all(
          SENSORS.map((s) =>
            feeder!.publish(rawTopic('sluice', s.device, s.channel), payload, { qos: 1 }),
          ),
        )
        await sleep(periodMs)
      }
    })()
  }

  return {
    instances,
    aggregates,
    start,
    connect,
    feed,
    get seq() {
      return seq
    },
    async stopFeed(): Promise<number> {
      running = false
      await feeding
      return seq
    },
    groups: (): GroupMetrics[] => instances.map((h) => h.metrics.collect().group!),
    async close(): Promise<void> {
      running = false
      await feeding
      await Promise.allSettled(instances.map((h) => h.stop()))
      await feeder?.close({ graceful: false })
      await observer?.close({ graceful: false })
    },
  }
}
type Mesh = ReturnType<typeof createMesh>

/**
 * True once `n` instances each see `n` members and own every sensor between them, once (generations
 * are counted by each member, so they are not compared).
 */
function settled(mesh: Mesh, n: number): boolean {
  const g = mesh.groups()
  return (
    g.length === n &&
    g.every((x) => x.members.length === n) &&
    g.reduce((a, x) => a + x.owned, 0) === SENSORS.length
  )
}

/** The aggregates one instance fed every sample 1..last of every sensor would publish. */
function expectedAggregates(last: number): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const windows = createSensorWindows(WINDOWS, (key, a) => {
    const list = out.get(key) ?? []
    list.push(
      `${a.window} ${String(a.seqFrom)}-${String(a.seqTo)} ${String(a.count)} ${a.mean.toFixed(6)}`,
    )
    out.set(key, list)
  })
  for (const s of SENSORS) {
    const samples = Array.from({ length: last }, (_, i) => {
      const seq = i + 1
      return { seq, t: timeOf(seq), value: seq % 17, ingest: 0 }
    })
    windows.push(keyOf(s), samples)
  }
  return out
}

/** What the observer got, in the same form, for the windows that close by `last`. */
function publishedAggregates(mesh: Mesh): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const a of mesh.aggregates) {
    const list = out.get(a.key) ?? []
    list.push(
      `${a.window} ${String(a.seqFrom)}-${String(a.seqTo)} ${String(a.count)} ${a.mean.toFixed(6)}`,
    )
    out.set(a.key, list)
  }
  for (const list of out.values()) list.sort()
  return out
}

function expectSameAggregates(mesh: Mesh, last: number): void {
  const expected = expectedAggregates(last)
  const got = publishedAggregates(mesh)
  for (const s of SENSORS) {
    const key = keyOf(s)
    expect(got.get(key) ?? [], key).toEqual([...(expected.get(key) ?? [])].sort())
  }
}

interface BrokerUnderTest {
  readonly name: string
  readonly unavailable: string | undefined
  start(): Promise<{ url: string; restart?: () => Promise<void>; close(): Promise<void> }>
}

// A local binary; under SLUICE_REQUIRE_EXTERNAL=1 its absence fails the suite instead of skipping it.
const mosquitto = requireProgram('mosquitto', KNOWN_PROGRAMS['mosquitto']?.candidates, {
  log: null,
})
const brokers: BrokerUnderTest[] = [
  {
    name: 'our broker',
    unavailable: undefined,
    async start() {
      let broker: RunningBroker = await startBroker({ port: 0, metricsIntervalMs: 0 })
      const port = Number(new URL(broker.url).port)
      return {
        url: broker.url,
        async restart() {
          await broker.close()
          broker = await startBroker({ port, metricsIntervalMs: 0 })
        },
        close: () => broker.close(),
      }
    },
  },
  {
    name: 'Mosquitto',
    unavailable: mosquitto.available ? undefined : mosquitto.skip,
    async start() {
      const m = await startMosquitto({ config: { max_queued_messages: 100_000 } })
      return { url: m.url, close: () => m.stop() }
    },
  },
]

for (const b of brokers) {
  describe.skipIf(b.unavailable !== undefined)(`windowing scale-out on ${b.name}`, () => {
    let cleanup: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const c of cleanup.reverse()) await c()
      cleanup = []
    })
    async function setUp() {
      const broker = await b.start()
      cleanup.push(() => broker.close())
      const mesh = createMesh(() => broker.url)
      cleanup.push(() => mesh.close())
      await mesh.connect()
      return { broker, mesh }
    }

    it('shares 300 sensors among 3 instances, then a 4th, publishing each aggregate once', async () => {
      const { mesh } = await setUp()
      await Promise.all(['w1', 'w2', 'w3'].map((i) => mesh.start(i)))
      await waitFor(() => settled(mesh, 3), 15_000, '3 instances to share the sensors')
      const owned = mesh.groups().map((g) => g.owned)
      expect(Math.max(...owned) / (SENSORS.length / 3)).toBeLessThanOrEqual(1.25)
      const before = new Map(
        mesh.instances.map((h) => [h.context.instance, h.metrics.collect().group!.owned]),
      )
      mesh.feed(100)
      await sleep(1200)
      await mesh.start('w4')
      await waitFor(() => settled(mesh, 4), 15_000, 'the 4th instance to take its share')
      const moved = mesh.instances.find((h) => h.context.instance === 'w4')!.metrics.collect()
        .group!.owned
      // A join moves only what the joiner takes.
      expect(moved / SENSORS.length).toBeLessThanOrEqual(0.3)
      for (const h of mesh.instances) {
        const id = h.context.instance
        if (id !== 'w4')
          expect(h.metrics.collect().group!.owned).toBeLessThanOrEqual(before.get(id)!)
      }
      await sleep(1200)
      const last = await mesh.stopFeed()
      await sleep(1000)
      expectSameAggregates(mesh, last)
      expect(mesh.groups().reduce((a, g) => a + g.handovers.received, 0)).toBeGreaterThan(0)
      expect(mesh.groups().reduce((a, g) => a + g.lost, 0)).toBe(0)
    })

    it('moves the sensors of a stopped instance with their open windows: the aggregates of one instance', async () => {
      const { mesh } = await setUp()
      await Promise.all(['s1', 's2', 's3'].map((i) => mesh.start(i)))
      await waitFor(() => settled(mesh, 3), 15_000, '3 instances to share the sensors')
      mesh.feed(100)
      await sleep(1200)
      const leaver = mesh.instances.find((h) => h.context.instance === 's2')!
      await leaver.stop()
      mesh.instances.splice(mesh.instances.indexOf(leaver), 1)
      await waitFor(() => settled(mesh, 2), 15_000, 'the 2 others to take its sensors')
      await sleep(1200)
      const last = await mesh.stopFeed()
      await sleep(1000)
      expectSameAggregates(mesh, last)
      const g = mesh.groups()
      expect(g.reduce((a, x) => a + x.handovers.received, 0)).toBeGreaterThan(0)
      expect(g.reduce((a, x) => a + x.handovers.fresh, 0)).toBe(0)
      expect(g.reduce((a, x) => a + x.lost, 0)).toBe(0)
    })

    it('covers the sensors of a killed instance again within 3 s and counts what was missed', async () => {
      const { mesh } = await setUp()
      await Promise.all(['k1', 'k2', 'k3'].map((i) => mesh.start(i)))
      await waitFor(() => settled(mesh, 3), 15_000, '3 instances to share the sensors')
      mesh.feed(100)
      await sleep(1200)
      const victim = mesh.instances.find((h) => h.context.instance === 'k1')!
      const killedAt = Date.now()
      await victim.kill()
      mesh.instances.splice(mesh.instances.indexOf(victim), 1)
      await waitFor(() => settled(mesh, 2), 15_000, 'the survivors to cover every sensor')
      const coveredAfterMs = Date.now() - killedAt
      // The will arrives when the socket closes; then one settling time (400 ms) and the subscriptions.
      expect(coveredAfterMs).toBeLessThan(3000)
      await sleep(1200)
      await mesh.stopFeed()
      await sleep(1000)
      const g = mesh.groups()
      expect(g.reduce((a, x) => a + x.handovers.fresh, 0)).toBeGreaterThan(0)
      // Every sensor has aggregates again after the crash: its windows restarted fresh.
      const recent = new Set(
        mesh.aggregates.filter((a) => a.seqTo > mesh.seq - 10).map((a) => a.key),
      )
      expect(recent.size).toBe(SENSORS.length)
      // What the dead instance had not checkpointed, and what arrived while no one owned its sensors.
      expect(g.reduce((a, x) => a + x.lost, 0)).toBeGreaterThan(0)
      for (const h of mesh.instances)
        expect(h.metrics.collect().hops['raw']!.unexplainedLoss ?? 0).toBe(0)
    })
  })
}

// The restart needs the broker back on its port: our broker takes one (`startBroker({ port })`), while
// testkit's Mosquitto takes a fresh free port on each start; so this scenario runs on our broker.
describe('windowing scale-out through a restart of our broker', () => {
  let cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup = []
  })
  it('keeps every member in place through a broker restart', async () => {
    const broker = await brokers[0]!.start()
    cleanup.push(() => broker.close())
    const mesh = createMesh(() => broker.url)
    cleanup.push(() => mesh.close())
    await mesh.connect()
    await Promise.all(['r1', 'r2', 'r3'].map((i) => mesh.start(i)))
    await waitFor(() => settled(mesh, 3), 15_000, '3 instances to share the sensors')
    const before = mesh.groups().map((g) => ({ generation: g.generation, owned: g.owned }))
    await broker.restart!()
    await sleep(1000)
    // The registry records were lost with the broker's memory: the bridge publishes them again on
    // reconnect; the feeder does it here.
    await mesh.connect()
    await waitFor(
      () => mesh.instances.every((h) => h.context.transport.connected),
      15_000,
      'the instances to reconnect',
    )
    await sleep(3000)
    const after = mesh.groups().map((g) => ({ generation: g.generation, owned: g.owned }))
    expect(after).toEqual(before)
    mesh.feed(100)
    await sleep(2000)
    await mesh.stopFeed()
    await sleep(1000)
    const keys = new Set(mesh.aggregates.map((a) => a.key))
    expect(keys.size).toBe(SENSORS.length)
  })
})
