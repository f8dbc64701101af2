import { Type } from '@sinclair/typebox'
import {
  decodeMetrics,
  decodeStatus,
  rawFilter,
  rawTopic,
  statusTopic,
  metricsTopic,
} from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import { waitFor } from '@sluice/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  startService,
  type InboundHop,
  type OutboundHop,
  type ServiceHandle,
} from '../src/internal.js'
import { brokerKinds, type TestBroker, type TestClient } from './brokers.js'

const schema = Type.Object({})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function sample(seq: number): Sample {
  const t = Date.now()
  return { seq, t, value: seq, ingest: t }
}

/** Publishes `n` raw samples of one sensor (single-sample payloads), `parallel` in flight. */
async function publishSamples(c: TestClient, topic: string, n: number, qos: 0 | 1): Promise<void> {
  const pending: Promise<unknown>[] = []
  for (let seq = 1; seq <= n; seq++) {
    pending.push(c.publishAsync(topic, JSON.stringify(sample(seq)), { qos }))
    if (pending.length >= 100) await Promise.all(pending.splice(0))
  }
  await Promise.all(pending)
}

for (const kind of brokerKinds({ nats: true })) {
  describe.skipIf(kind.unavailable !== undefined)(`mesh on ${kind.name}`, () => {
    let broker: TestBroker
    const services: ServiceHandle<typeof schema>[] = []
    const clients: TestClient[] = []
    let n = 0

    beforeAll(async () => {
      broker = await kind.start()
    })
    afterEach(async () => {
      for (const s of services.splice(0)) await s.stop().catch(() => undefined)
      for (const c of clients.splice(0)) await c.endAsync()
    })
    afterAll(async () => {
      await broker.close()
    })

    async function start(
      setup: (
        ctx: Parameters<Parameters<typeof startService<typeof schema>>[0]['create']>[0],
      ) => void,
      overrides: Record<string, unknown> = {},
    ) {
      const instance = `i${++n}`
      const svc = await startService(
        {
          name: 'testsvc',
          version: '1.2.3',
          configSchema: schema,
          create: (ctx) => {
            setup(ctx)
            return { start: () => Promise.resolve(), stop: () => Promise.resolve() }
          },
        },
        {
          overrides: {
            broker: broker.url,
            instance,
            prefix: `t${n}`,
            metricsIntervalMs: 100,
            logLevel: 'silent',
            ...broker.overrides,
            ...overrides,
          },
        },
      )
      services.push(svc)
      return svc
    }

    async function watcher(
      filter: string,
    ): Promise<{ c: TestClient; got: { topic: string; payload: string; retain: boolean }[] }> {
      const c = await broker.client(filter.split('/')[0]!)
      clients.push(c)
      const got: { topic: string; payload: string; retain: boolean }[] = []
      c.onMessage((topic, payload, retain) => got.push({ topic, payload, retain }))
      await c.subscribeAsync(filter, { qos: 1 })
      return { c, got }
    }

    it('publishes a retained online status, valid metrics every interval, and offline on a graceful stop', async () => {
      const svc = await start(() => undefined)
      const { prefix, instance } = svc.context
      const status = await watcher(statusTopic(prefix, 'testsvc', instance))
      await waitFor(() => status.got.length >= 1, { timeout: 5000, message: 'retained status' })
      const online = decodeStatus(status.got[0]!.payload)
      expect(online.ok && online.value.state).toBe('online')
      expect(status.got[0]!.retain).toBe(true)

      const metrics = await watcher(metricsTopic(prefix, 'testsvc', instance))
      await waitFor(() => metrics.got.length >= 3, {
        timeout: 5000,
        message: 'three metrics messages',
      })
      for (const m of metrics.got) expect(decodeMetrics(m.payload).ok).toBe(true)

      await svc.stop()
      await waitFor(() => status.got.some((m) => m.payload.includes('"offline"')), {
        timeout: 5000,
        message: 'offline status',
      })
    })

    it('lets the broker publish the offline will when the service dies', async () => {
      const svc = await start(() => undefined)
      const { prefix, instance } = svc.context
      await svc.kill()
      services.splice(services.indexOf(svc), 1)
      // A fresh subscriber sees the retained will.
      const status = await watcher(statusTopic(prefix, 'testsvc', instance))
      await waitFor(
        () => status.got.some((m) => decodeStatus(m.payload).ok && m.payload.includes('"offline"')),
        { timeout: 5000, message: 'will' },
      )
      expect(status.got.at(-1)!.retain).toBe(true)
    })

    it('loses nothing under block on a QoS 1 hop: no gaps, no unexplained loss, in order', async () => {
      const seen: number[] = []
      let hop!: InboundHop
      const svc = await start((ctx) => {
        hop = ctx.inbound({
          name: 'raw',
          qos: 1,
          queue: { capacity: 20, policy: 'block' },
          filters: [rawFilter(ctx.prefix)],
          maxBatch: 5,
          handle: async (_key, samples) => {
            for (const s of samples) seen.push(s.seq)
            await sleep(1)
          },
        })
      })
      const pub = await broker.client(svc.context.prefix)
      clients.push(pub)
      const N = 600
      await publishSamples(pub, rawTopic(svc.context.prefix, 'dev1', 'temp'), N, 1)
      await waitFor(() => hop.metrics().out >= N, { timeout: 20_000, message: 'all samples' })
      const m = hop.metrics()
      expect(seen).toEqual(Array.from({ length: N }, (_, i) => i + 1))
      expect(m.in).toBe(N)
      expect(m.out).toBe(N)
      expect(Object.values(m.dropped).reduce((a, b) => a + b, 0)).toBe(0)
      expect(m.gaps).toBe(0)
      expect(m.unexplainedLoss).toBe(0)
    })

    for (const policy of ['drop-oldest', 'drop-newest', 'sample'] as const) {
      it(`drops by ${policy} on an overloaded QoS 1 hop and its counters balance exactly`, async () => {
        let delivered = 0
        let release!: () => void
        const gate = new Promise<void>((r) => (release = r))
        let hop!: InboundHop
        const svc = await start((ctx) => {
          hop = ctx.inbound({
            name: 'raw',
            qos: 1,
            queue: { capacity: 50, policy },
            filters: [rawFilter(ctx.prefix)],
            maxBatch: 10,
            handle: async (_key, samples) => {
              // The handler stalls until everything is published: a guaranteed overload.
              await gate
              delivered += samples.length
            },
          })
        })
        const pub = await broker.client(svc.context.prefix)
        clients.push(pub)
        const N = 500
        await publishSamples(pub, rawTopic(svc.context.prefix, 'dev1', 'temp'), N, 1)
        await waitFor(() => hop.metrics().in === N, { timeout: 10_000, message: 'all arrivals' })
        release()
        await waitFor(() => hop.metrics().queue.length === 0, {
          timeout: 10_000,
          message: 'drained',
        })
        const m = hop.metrics()
        const dropped = (m.dropped.oldest ?? 0) + (m.dropped.newest ?? 0) + (m.dropped.sampled ?? 0)
        expect(m.in).toBe(N)
        expect(m.in).toBe(m.out + dropped + m.queue.length)
        expect(m.out).toBe(delivered)
        expect(dropped).toBeGreaterThan(N / 2)
        const reason = { 'drop-oldest': 'oldest', 'drop-newest': 'newest', sample: 'sampled' }[
          policy
        ]
        expect(m.dropped[reason]).toBeGreaterThan(0)
        expect(m.unexplainedLoss).toBe(0)
        expect(m.state).toBe('ok')
      })
    }

    it('counts bad payloads as rejected and keeps going', async () => {
      const seen: number[] = []
      let hop!: InboundHop
      const svc = await start((ctx) => {
        hop = ctx.inbound({
          name: 'raw',
          qos: 1,
          queue: { capacity: 100, policy: 'drop-oldest' },
          filters: [rawFilter(ctx.prefix)],
          handle: (_key, samples) => {
            for (const s of samples) seen.push(s.seq)
          },
        })
      })
      const pub = await broker.client(svc.context.prefix)
      clients.push(pub)
      const topic = rawTopic(svc.context.prefix, 'dev1', 'temp')
      await pub.publishAsync(topic, 'not json', { qos: 1 })
      await pub.publishAsync(topic, JSON.stringify({ seq: 1 }), { qos: 1 })
      await pub.publishAsync(
        topic,
        JSON.stringify({ seq: [1, 2], t: [1, 2], value: [3, 4], ingest: [1, 2] }),
        { qos: 1 },
      )
      await waitFor(() => seen.length === 2, { timeout: 5000, message: 'batch' })
      expect(hop.metrics().rejected).toBe(2)
    })

    it('publishes through an outbound hop at QoS 1 and counts acknowledged samples', async () => {
      let out!: OutboundHop
      const svc = await start((ctx) => {
        out = ctx.outbound({
          name: 'fwd',
          qos: 1,
          queue: { capacity: 1000, policy: 'block' },
          maxInFlight: 8,
        })
      })
      const topic = rawTopic(svc.context.prefix, 'dev2', 'light')
      const sub = await watcher(topic)
      for (let i = 1; i <= 200; i++)
        await out.publishAsync(topic, JSON.stringify(sample(i)), 1, { ingest: Date.now() })
      await waitFor(() => sub.got.length === 200, { timeout: 10_000, message: 'all published' })
      await out.drain(5000)
      const m = out.metrics()
      expect(m.in).toBe(200)
      expect(m.out).toBe(200)
      expect(m.latency).toBeDefined()
    })

    it('keeps QoS 1 messages at the broker across a restart on a persistent session', async () => {
      const seen: number[] = []
      const setup = (
        ctx: Parameters<Parameters<typeof startService<typeof schema>>[0]['create']>[0],
      ) => {
        ctx.inbound({
          name: 'raw',
          qos: 1,
          queue: { capacity: 100, policy: 'block' },
          filters: [rawFilter(ctx.prefix)],
          handle: (_key, samples) => {
            for (const s of samples) seen.push(s.seq)
          },
        })
      }
      const first = await start(setup, { session: 'persistent' })
      const { prefix, instance } = first.context
      await first.stop()
      const pub = await broker.client(prefix)
      clients.push(pub)
      await publishSamples(pub, rawTopic(prefix, 'dev1', 'temp'), 50, 1)
      await start(setup, { session: 'persistent', instance, prefix })
      await waitFor(() => seen.length >= 50, { timeout: 10_000, message: 'redelivery' })
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    })

    it('loses nothing when a persistent-session service restarts in the middle of a QoS 1 stream', async () => {
      const seen = new Set<number>()
      const setup = (
        ctx: Parameters<Parameters<typeof startService<typeof schema>>[0]['create']>[0],
      ) => {
        ctx.inbound({
          name: 'raw',
          qos: 1,
          queue: { capacity: 50, policy: 'block' },
          filters: [rawFilter(ctx.prefix)],
          handle: (_key, samples) => {
            for (const s of samples) seen.add(s.seq)
          },
        })
      }
      const first = await start(setup, { session: 'persistent' })
      const { prefix, instance } = first.context
      const pub = await broker.client(prefix)
      clients.push(pub)
      const N = 300
      const publishing = (async () => {
        for (let seq = 1; seq <= N; seq++) {
          await pub.publishAsync(rawTopic(prefix, 'dev1', 'temp'), JSON.stringify(sample(seq)), {
            qos: 1,
          })
          if (seq % 10 === 0) await sleep(2)
        }
      })()
      await waitFor(() => seen.size >= 50, { timeout: 10_000, message: 'first samples' })
      await first.stop()
      await publishing
      await start(setup, { session: 'persistent', instance, prefix })
      await waitFor(() => seen.size >= N, {
        timeout: 10_000,
        message: `every sample, across the restart (${seen.size})`,
      })
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1))
    })

    it('withholds the PUBACK until the handler confirms (handled mode), so a crash before loses nothing', async () => {
      const firstSeen: number[] = []
      const secondSeen: number[] = []
      const never = new Promise<void>(() => undefined)
      const first = await start(
        (ctx) => {
          ctx.inbound({
            name: 'raw',
            qos: 1,
            queue: { capacity: 100, policy: 'drop-oldest' },
            maxBatch: 1,
            filters: [rawFilter(ctx.prefix)],
            handle: (_key, samples, batch) => {
              for (const s of samples) firstSeen.push(s.seq)
              // Samples 1–5 are confirmed at once; 6 never is (its output is still "in flight").
              batch.ackAfter(samples.some((s) => s.seq >= 6) ? never : Promise.resolve())
            },
          })
        },
        { session: 'persistent' },
      )
      const { prefix, instance } = first.context
      const pub = await broker.client(prefix)
      clients.push(pub)
      await publishSamples(pub, rawTopic(prefix, 'dev1', 'temp'), 10, 1)
      await waitFor(() => firstSeen.length >= 10, { timeout: 10_000, message: 'first delivery' })
      await sleep(100)
      await first.kill()
      await start(
        (ctx) => {
          ctx.inbound({
            name: 'raw',
            qos: 1,
            queue: { capacity: 100, policy: 'drop-oldest' },
            filters: [rawFilter(ctx.prefix)],
            handle: (_key, samples) => {
              for (const s of samples) secondSeen.push(s.seq)
            },
          })
        },
        { session: 'persistent', instance, prefix },
      )
      // 6 was never acknowledged, and 7–10 wait behind it (PUBACKs go in order): all five come again.
      await waitFor(() => secondSeen.length >= 5, { timeout: 10_000, message: 'redelivery' })
      await sleep(200)
      expect([...secondSeen].sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10])
    })

    it('drains queued samples to the handler on a graceful stop', async () => {
      const seen: number[] = []
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      let hop!: InboundHop
      const svc = await start((ctx) => {
        hop = ctx.inbound({
          name: 'raw',
          qos: 1,
          queue: { capacity: 1000, policy: 'drop-newest' },
          filters: [rawFilter(ctx.prefix)],
          handle: async (_key, samples) => {
            await gate
            for (const s of samples) seen.push(s.seq)
          },
        })
      })
      const pub = await broker.client(svc.context.prefix)
      clients.push(pub)
      await publishSamples(pub, rawTopic(svc.context.prefix, 'dev1', 'temp'), 300, 1)
      await waitFor(() => hop.metrics().in === 300, { timeout: 5000, message: 'arrivals' })
      const stopped = svc.stop()
      release()
      expect(await stopped).toEqual({ drained: true })
      expect(seen.length).toBe(300)
    })
  })
}
