/**
 * Scale-out of the windowing service on NATS JetStream (issue 14): three nats-server processes routed to
 * each other on loopback, the streams and the retained bucket at three replicas, every client given all
 * three seeds, two instances in one group. A nats-server killed mid-stream loses no sample (every
 * aggregate equals one instance's fed everything), and a killed instance's sensors move to the other,
 * with no unexplained loss; on one nats-server, a graceful leave hands the open windows over (the
 * aggregates again equal one instance's). Fewer sensors than on MQTT: each is a consumer of its owner.
 */
import { createNatsTransport } from '@sluice/mesh'
import {
  KNOWN_PROGRAMS,
  requireProgram,
  startNatsCluster,
  startNatsServer,
  waitFor,
} from '@sluice/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMesh,
  expectSameAggregates,
  expectedAggregates,
  leaveWithState,
  sensorsOf,
  settled,
  sleep,
  type MakeTransport,
} from './scale-out-mesh.js'

/** Each instance's raw hop and group, for a failure's message. */
const statesOf = (mesh: ReturnType<typeof createMesh>): string =>
  mesh.instances
    .map((h) => {
      const m = h.metrics.collect()
      const raw = m.hops['raw']
      return `${h.context.instance}: raw in ${String(raw?.in)}, queued ${String(raw?.queue.length)}, owned ${String(m.group?.owned)}, generation ${String(m.group?.generation)}`
    })
    .join('; ')

const natsServer = requireProgram('nats-server', KNOWN_PROGRAMS['nats-server']?.candidates, {
  log: null,
})
describe.skipIf(!natsServer.available)(
  'windowing scale-out on a 3-node NATS JetStream cluster',
  () => {
    let cleanup: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const c of cleanup.reverse()) await c()
      cleanup = []
    })
    // It failed on its last check in 1 to 2 runs of 4 (22–81 samples of unexplained loss at the survivor
    // after the kill). The likely cause: the survivor, alone, moves from its sensors' topics to the
    // wildcards, whose consumer started at new messages while the old consumers could still hold a backlog,
    // lost when they went (test/transport-widen.int.test.ts in @sluice/mesh shows it: 1 244 of 2 000
    // messages lost). Fixed in the NATS consumer set: a consumer that takes over starts where the
    // overlapping one had acknowledged up to. That fix then made its own failure (2026-12-04, three
    // attempts of one CI-like run): when the survivor's create of the wildcard consumer timed out but was
    // made, every retry asked for it with a later start and was refused until its 30 s deadline, so the
    // killed instance's sensors were never read ("windows of every sensor"); the start is now found once
    // per add (consumers.test.ts). Then (2026-12-04, 3 of 15 runs alone on Node 24) a sensor's aggregates
    // came twice, the second series starting at the server kill: both instances, alive, took each other
    // out of the group for a moment. The retained bucket's leader had died with the server; when it was
    // back, a watcher's compare-and-set beat the renewals still waiting to be sent again (the leases now
    // restart after the bucket's silence, retained.test.ts in @sluice/mesh), and a member that reconnected
    // did not hear the statuses of those that had not (retained values are now handed over again after a
    // reconnect, nats-reconnect.int.test.ts). A third, seen once in 13 runs: after the kill, every watch
    // of the bucket kept saying more values were to come, so no lease ran out and the killed instance's
    // sensors stayed with it (that count now holds leases for 2 s at most). With these, and a will kept
    // out of a watcher's values until it lands, 38 of 40 runs alone passed; the other two failed before
    // any of ours ran (the cluster did not form in time, a route closed as a duplicate on both sides; its
    // streams were not set up in time). A fourth (2026-12-05, CI-like runs, about 1 in 20): "every sample:
    // 1723 of 1728" with both queues empty. A message the server had sent as its connection died never
    // arrived and waited out the consumer's 5-minute ack_wait; consumers now start again from their
    // acknowledged floor after a reconnect (nats-reconnect.int.test.ts in @sluice/mesh), and 8 of 8 runs
    // beside a busy loop, without retries, passed. It is still retried for cluster formation, and
    // because with the suite's load on two cores its waits can run out; a loss that repeats still fails.
    it(
      'loses no sample when a nats-server dies, and moves a killed instance’s sensors to the other',
      { retry: 2, timeout: 150_000 },
      async () => {
        const cluster = await startNatsCluster(3)
        cleanup.push(() => cluster.stop())
        const url = cluster.urls.join(',')
        const nats = { leaseMs: 3000, stream: { replicas: 3, maxBytes: 16 * 1024 * 1024 } }
        const make: MakeTransport = (u, clientId) =>
          createNatsTransport({ url: u, clientId, prefix: 'sluice', ...nats, streams: nats.stream })
        const mesh = createMesh(() => url, sensorsOf(8), make, { nats })
        cleanup.push(() => mesh.close())
        await mesh.connect()
        await Promise.all(['n1', 'n2'].map((i) => mesh.start(i)))
        await waitFor(() => settled(mesh, 2), {
          timeout: 15_000,
          message: '2 instances to share the sensors',
        })

        // A server dies mid-stream: clients move to the others, publishes are sent again (and stored once).
        mesh.feed(50)
        await sleep(1500)
        await cluster.nodes[0]!.kill()
        await sleep(3000)
        const last = await mesh.stopFeed()
        // Consumers whose leader was on the dead server are asked again once their pull expires (2 s).
        const received = () =>
          mesh.instances.reduce((a, h) => a + (h.metrics.collect().hops['raw']?.in ?? 0), 0)
        const want = last * mesh.sensors.length
        await waitFor(() => received() >= want, {
          timeout: 40_000,
          message: () =>
            `every sample: ${String(received())} of ${String(want)} (${statesOf(mesh)})`,
        })
        // And every aggregate they close, whose publishes and pulls may wait out the election too.
        const expected = [...expectedAggregates(mesh.sensors, last).values()].flat().length
        await waitFor(() => mesh.aggregates.length >= expected, {
          timeout: 30_000,
          message: () =>
            `every aggregate: ${String(mesh.aggregates.length)} of ${String(expected)}`,
        })
        await sleep(500)
        expectSameAggregates(mesh, last)
        expect(mesh.groups().reduce((a, g) => a + g.lost, 0)).toBe(0)

        // An instance is killed: its lease runs out, and the other takes every sensor.
        mesh.feed(50)
        await sleep(1000)
        const victim = mesh.instances.find((h) => h.context.instance === 'n1')!
        await victim.kill()
        mesh.instances.splice(mesh.instances.indexOf(victim), 1)
        await waitFor(() => settled(mesh, 1), {
          timeout: 15_000,
          message: 'the survivor to take every sensor',
        })
        // Every sensor's windows go on at the survivor (pulls whose server died are asked again within seconds).
        const from = mesh.seq
        const covered = () =>
          new Set(mesh.aggregates.filter((a) => a.seqFrom > from).map((a) => a.key)).size
        await waitFor(() => covered() === mesh.sensors.length, {
          timeout: 20_000,
          message: 'windows of every sensor',
        })
        await mesh.stopFeed()
        expect(mesh.instances[0]!.metrics.collect().hops['raw']!.unexplainedLoss ?? 0).toBe(0)
      },
    )

    it('moves the sensors of a stopped instance with their open windows, on one nats-server', async () => {
      const server = await startNatsServer()
      cleanup.push(() => server.stop())
      const nats = { leaseMs: 3000, stream: { maxBytes: 16 * 1024 * 1024 } }
      const make: MakeTransport = (u, clientId) =>
        createNatsTransport({ url: u, clientId, prefix: 'sluice', ...nats, streams: nats.stream })
      const mesh = createMesh(() => server.url, sensorsOf(8), make, { nats })
      cleanup.push(() => mesh.close())
      await mesh.connect()
      // Open windows move with their state: the aggregates are one instance's fed everything.
      await leaveWithState(mesh, ['g1', 'g2', 'g3'], 50)
    }, 60_000)
  },
)
