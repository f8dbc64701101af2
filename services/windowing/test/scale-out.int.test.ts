/**
 * Scale-out of the windowing service (issue 13, DESIGN.md §12), on our broker and on Mosquitto: several
 * instances in one group share 300 sensors. Every sensor is owned by one instance, every aggregate is
 * published once, a joiner takes about a quarter of the sensors, a graceful leave moves sensors with
 * their open windows (the aggregates equal those of one instance fed everything), a kill -9 is covered
 * again within a bound with its loss counted, and a broker restart moves nothing. (On NATS JetStream:
 * scale-out-nats.int.test.ts.)
 */
import { startBroker, type RunningBroker } from '@sluice/broker'
import { KNOWN_PROGRAMS, requireProgram, startMosquitto, waitFor } from '@sluice/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import {
  SENSORS,
  createMesh,
  expectSameAggregates,
  leaveWithState,
  settled,
  sleep,
} from './scale-out-mesh.js'

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
      await waitFor(() => settled(mesh, 3), {
        timeout: 15_000,
        message: '3 instances to share the sensors',
      })
      const owned = mesh.groups().map((g) => g.owned)
      expect(Math.max(...owned) / (SENSORS.length / 3)).toBeLessThanOrEqual(1.25)
      const before = new Map(
        mesh.instances.map((h) => [h.context.instance, h.metrics.collect().group!.owned]),
      )
      mesh.feed(100)
      await sleep(1200)
      await mesh.start('w4')
      await waitFor(() => settled(mesh, 4), {
        timeout: 15_000,
        message: 'the 4th instance to take its share',
      })
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
      await leaveWithState(mesh, ['s1', 's2', 's3'], 100)
    })

    it('covers the sensors of a killed instance again within 3 s and counts what was missed', async () => {
      const { mesh } = await setUp()
      await Promise.all(['k1', 'k2', 'k3'].map((i) => mesh.start(i)))
      await waitFor(() => settled(mesh, 3), {
        timeout: 15_000,
        message: '3 instances to share the sensors',
      })
      mesh.feed(100)
      await sleep(1200)
      const victim = mesh.instances.find((h) => h.context.instance === 'k1')!
      const killedAt = Date.now()
      await victim.kill()
      mesh.instances.splice(mesh.instances.indexOf(victim), 1)
      await waitFor(() => settled(mesh, 2), {
        timeout: 15_000,
        message: 'the survivors to cover every sensor',
      })
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
    await waitFor(() => settled(mesh, 3), {
      timeout: 15_000,
      message: '3 instances to share the sensors',
    })
    const before = mesh.groups().map((g) => ({ generation: g.generation, owned: g.owned }))
    await broker.restart!()
    await sleep(1000)
    // The registry records were lost with the broker's memory: the bridge publishes them again on
    // reconnect; the feeder does it here.
    await mesh.connect()
    await waitFor(() => mesh.instances.every((h) => h.context.transport.connected), {
      timeout: 15_000,
      message: 'the instances to reconnect',
    })
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
