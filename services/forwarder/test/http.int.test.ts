/**
 * The webhook sink through the whole forwarder (embedded broker, service in-process, a local HTTP
 * receiver): a 50 points/s limit measured at the receiving end, and a spool that reaches its cap while
 * the receiver is down — evictions counted exactly, reported in the published metrics, and the newest
 * data delivered once the receiver is back.
 */
import { startBroker, type RunningBroker } from '@sluice/broker'
import { anomalyTopic, metricsFilter, type ServiceMetrics } from '@sluice/contract'
import { startService } from '@sluice/mesh'
import { collectMessages, freePort, tempDir, waitFor, type TempDir } from '@sluice/testkit'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ForwarderConfigError, forwarderService } from '../src/internal.js'
import { anomalyEvent, httpSink } from './helpers.js'
import { startHttpReceiver } from './http-receiver.js'

interface Batch {
  items: { payload: { seq: number } }[]
}

let broker: RunningBroker
let pub: MqttClient
let dir: TempDir
const cleanup: (() => Promise<void>)[] = []

beforeAll(async () => {
  broker = await startBroker({ port: 0, anonymousRole: 'admin' })
  pub = await mqtt.connectAsync(broker.url, { clientId: 'http-test-pub' })
})
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})
afterAll(async () => {
  await pub.endAsync()
  await broker.close()
})

async function publishAnomalies(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++)
    await pub.publishAsync(
      anomalyTopic('sluice', 'uno', 'light'),
      JSON.stringify(anomalyEvent(i)),
      { qos: 1 },
    )
}

describe('forwarder → webhook', () => {
  it('never exceeds 50 points/s (+ burst) at the receiver, over any 1 s or 5 s window', async () => {
    const rx = await startHttpReceiver()
    cleanup.push(() => rx.close())
    dir = await tempDir('sluice-fwd-rate-')
    cleanup.push(() => dir.remove())
    const RATE = 50
    const BURST = 25
    const fwd = await startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance: 'rate-t',
        logLevel: 'silent',
        dataDir: dir.path,
        sinks: [
          httpSink({
            name: 'plotly',
            url: rx.url,
            topics: ['anomaly'],
            ratePerSecond: RATE,
            burst: BURST,
            batchSize: 25,
            lingerMs: 100,
          }),
        ],
      },
    })
    cleanup.push(async () => {
      await fwd.stop()
    })
    const N = 400
    await publishAnomalies(0, N)
    const points = (): number =>
      rx.requests.reduce((a, r) => a + (JSON.parse(r.body) as Batch).items.length, 0)
    await waitFor(() => points() === N, {
      timeout: 30_000,
      interval: 100,
      message: `${N} points at the receiver`,
    })

    const arrivals = rx.requests.map((r) => ({
      at: r.at,
      n: (JSON.parse(r.body) as Batch).items.length,
    }))
    const maxIn = (windowMs: number): number =>
      Math.max(
        ...arrivals.map((a) =>
          arrivals
            .filter((b) => b.at >= a.at && b.at < a.at + windowMs)
            .reduce((s, b) => s + b.n, 0),
        ),
      )
    const max1 = maxIn(1000)
    const max5 = maxIn(5000)
    const span = (arrivals.at(-1)!.at - arrivals[0]!.at) / 1000
    const overall = (N - arrivals[0]!.n) / span
    process.stderr.write(
      `[rate] ${N} points in ${span.toFixed(2)} s: ${overall.toFixed(1)} points/s after the first batch; max ${max1} in any 1 s, ${max5} in any 5 s (limit ${RATE}/s, burst ${BURST})\n`,
    )
    expect(span).toBeGreaterThanOrEqual(5)
    expect(max1).toBeLessThanOrEqual(RATE + BURST)
    expect(max5).toBeLessThanOrEqual(RATE * 5 + BURST)
    // Over the whole run: at most burst + rate × span (50 ms of slack for arrival jitter).
    expect(N - BURST).toBeLessThanOrEqual(RATE * (span + 0.05))
    // Delivered in order, nothing lost.
    const seqs = rx.requests.flatMap((r) =>
      (JSON.parse(r.body) as Batch).items.map((i) => i.payload.seq),
    )
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => anomalyEvent(i).seq))
  }, 60_000)

  it('evicts the oldest data at the spool cap, counts every eviction, reports it, and delivers the rest', async () => {
    const port = await freePort() // nobody listens yet: the receiver is "down"
    dir = await tempDir('sluice-fwd-evict-')
    cleanup.push(() => dir.remove())
    const metrics = await collectMessages(broker.url, metricsFilter('sluice'))
    cleanup.push(() => metrics.close())
    const fwd = await startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance: 'evict-t',
        logLevel: 'silent',
        metricsIntervalMs: 200,
        dataDir: dir.path,
        sinks: [
          httpSink({
            name: 'hook',
            url: `http://127.0.0.1:${port}/in`,
            topics: ['anomaly'],
            spoolMaxBytes: 65_536,
            retryBaseMs: 100,
            retryMaxMs: 300,
          }),
        ],
      },
    })
    cleanup.push(async () => {
      await fwd.stop()
    })
    const N = 1500
    await publishAnomalies(0, N)
    const hop = await waitFor(
      () => {
        const m = metrics
          .json<ServiceMetrics>()
          .filter((x) => x.service === 'forwarder' && x.instance === 'evict-t')
          .at(-1)
        const h = m?.hops.hook
        return h !== undefined && h.in === N ? h : undefined
      },
      { timeout: 15_000, message: `a metrics message with all ${N} points in` },
    )
    const evicted = hop.sink?.evicted ?? -1
    expect(evicted).toBeGreaterThan(0)
    expect(hop.dropped.evicted).toBe(evicted)
    expect(evicted + hop.queue.length).toBe(N)
    expect(hop.sink?.spoolBytes).toBeLessThanOrEqual(65_536)
    expect(hop.sink?.retries).toBeGreaterThan(0)
    expect(hop.sink?.lastError).toMatch(/unreachable/)

    const rx = await startHttpReceiver(port)
    cleanup.push(() => rx.close())
    const seqs = (): number[] =>
      rx.requests.flatMap((r) => (JSON.parse(r.body) as Batch).items.map((i) => i.payload.seq))
    // Wait until the hop has nothing left: every point delivered or evicted. A batch that was in flight
    // (failing) when the cap was reached is counted as evicted only once its send settles, so the final
    // count is read after the spool is empty, not before.
    const done = await waitFor(
      () => {
        const h = metrics
          .json<ServiceMetrics>()
          .filter((x) => x.service === 'forwarder' && x.instance === 'evict-t')
          .at(-1)?.hops.hook
        return h !== undefined &&
          h.queue.length === 0 &&
          seqs().length + (h.sink?.evicted ?? 0) === N
          ? h
          : undefined
      },
      { timeout: 30_000, message: 'every point delivered or evicted' },
    )
    const finalEvicted = done.sink?.evicted ?? -1
    expect(finalEvicted).toBeGreaterThanOrEqual(evicted)
    expect(done.dropped.evicted).toBe(finalEvicted)
    // Exactly the newest N − evicted, in order: the oldest were the ones evicted.
    expect(seqs()).toEqual(
      Array.from({ length: N - finalEvicted }, (_, i) => anomalyEvent(finalEvicted + i).seq),
    )
    process.stderr.write(
      `[evict] ${N} points into a 64 KiB spool with the sink down: ${finalEvicted} evicted, ${N - finalEvicted} delivered\n`,
    )
  }, 60_000)

  it('waits as long as a 429 Retry-After asks before sending the same batch again', async () => {
    const rx = await startHttpReceiver()
    cleanup.push(() => rx.close())
    rx.answer = () =>
      rx.requests.length === 1 ? { status: 429, headers: { 'Retry-After': '2' } } : { status: 204 }
    dir = await tempDir('sluice-fwd-retry-after-')
    cleanup.push(() => dir.remove())
    const fwd = await startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance: 'retry-t',
        logLevel: 'silent',
        dataDir: dir.path,
        sinks: [
          httpSink({
            name: 'hook',
            url: rx.url,
            topics: ['anomaly'],
            retryBaseMs: 50,
            batchSize: 3,
            lingerMs: 500,
          }),
        ],
      },
    })
    cleanup.push(async () => {
      await fwd.stop()
    })
    await publishAnomalies(0, 3)
    await waitFor(() => rx.requests.length >= 2, { timeout: 10_000, message: 'the retried batch' })
    const [first, second] = rx.requests
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000)
    expect(second!.body).toBe(first!.body)
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key'])
    expect(fwd.metrics.collect().hops.hook?.sink?.retries).toBe(1)
  })

  it('refuses two sinks with one name at start, with a config error that names it', async () => {
    dir = await tempDir('sluice-fwd-dup-')
    cleanup.push(() => dir.remove())
    const start = startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance: 'dup-t',
        logLevel: 'silent',
        dataDir: dir.path,
        sinks: [
          httpSink({ name: 'same', url: 'http://127.0.0.1:9/a' }),
          httpSink({ name: 'same', url: 'http://127.0.0.1:9/b' }),
        ],
      },
    })
    await expect(start).rejects.toThrow(ForwarderConfigError)
    await expect(start).rejects.toMatchObject({
      code: 'SLUICE_ERR_FORWARD_CONFIG',
      message: expect.stringContaining('two sinks are named "same"') as unknown,
    })
  })
})
