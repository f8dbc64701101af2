/**
 * @module test/intake
 * The windowing service's intake under the cases of issue 11, on a fake transport (no broker): fuzzed
 * topics and payloads, 20 000 sensors, and an outage of the transport while samples are buffered
 * upstream. The service must keep running and publishing, and account for every message: each sample
 * taken in is out or dropped (by a named reason) or still queued, and each bad message is rejected.
 */
import {
  decodeDeviceRaw,
  decodeRawSamples,
  decodeWindows,
  parseTopic,
  topicMatches,
  type HopMetrics,
} from '@sluice/contract'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { oddPayload, oddTopic } from '../../../libs/contract/test/fuzz-arbitraries.js'
import { startFakeService, type FakeService } from '../../../libs/mesh/test/fake-service.js'
import { windowingService } from '../src/index.js'

const running: FakeService<typeof windowingService.configSchema>[] = []
afterEach(async () => {
  for (const s of running.splice(0)) await s.handle.stop()
})

async function start(overrides: Record<string, unknown> = {}) {
  const s = await startFakeService(windowingService, overrides)
  running.push(s)
  return s
}

/** in = out + dropped + queued (`unconfirmed` is already in out). */
function balance(m: HopMetrics): number {
  let dropped = 0
  for (const [reason, n] of Object.entries(m.dropped)) if (reason !== 'unconfirmed') dropped += n
  return m.in - m.out - dropped - m.queue.length
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('windowing intake (issue 11)', () => {
  it('survives fuzzed topics and payloads and accounts for every message', async () => {
    const now = Date.now()
    const svc = await start({ maxSensors: 50 })
    let expectedIn = 0
    let expectedRejected = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(oddTopic, oddPayload(now)), { minLength: 1, maxLength: 20 }),
        async (messages) => {
          for (const [topic, payload] of messages) {
            const acked = svc.transport.inject(topic, payload)
            // Per-channel raw topics and the device topic of devices publishing directly.
            const device = topicMatches('sluice/+/raw', topic)
            if (!device && !topicMatches('sluice/+/+/raw', topic)) continue
            // What the intake must do with it: reject a bad topic or payload, else take its samples.
            const decoded = device ? decodeDeviceRaw(payload) : decodeRawSamples(payload)
            const kind = parseTopic('sluice', topic)?.kind
            if (kind !== (device ? 'device-raw' : 'raw') || !decoded.ok) expectedRejected++
            else expectedIn += decoded.value.length
            expect(acked()).toBe(true)
          }
          const m = await svc.settle('raw')
          expect(m.rejected).toBe(expectedRejected)
          expect(m.in).toBe(expectedIn)
          expect(balance(m)).toBe(0)
        },
      ),
      { numRuns: 150 },
    )
    // Both sides were exercised: samples taken in (some dropped as future or beyond maxSensors) and
    // messages rejected.
    const m = await svc.settle('raw')
    expect(expectedIn).toBeGreaterThan(0)
    expect(expectedRejected).toBeGreaterThan(0)
    expect(m.dropped.future).toBeGreaterThan(0)
    expect(m.dropped['max-sensors']).toBeGreaterThan(0)
    // Still alive: a good sample of a known sensor is handled, and metrics still go out.
    const before = (await svc.settle('raw')).out
    svc.transport.inject(
      'sluice/a/b/raw',
      JSON.stringify({ seq: 1, t: now, value: 1, ingest: now }),
    )
    const after = await svc.settle('raw')
    expect(after.out + (after.dropped['max-sensors'] ?? 0)).toBeGreaterThan(before)
    await svc.handle.metrics.publishNow()
    expect(
      svc.transport.published.some((p) => p.topic === 'sluice/_sys/windowing/fake/metrics'),
    ).toBe(true)
  }, 60_000)

  it('refuses sensors beyond maxSensors and counts them in the metrics, with 20 000 sensors', async () => {
    const now = Date.now()
    const svc = await start()
    for (let i = 0; i < 20_000; i++) {
      const sample = { seq: 1, t: now, value: i, ingest: now }
      svc.transport.inject(`sluice/d${i}/x/raw`, JSON.stringify(sample))
    }
    const m = await svc.settle('raw')
    expect(m).toMatchObject({ in: 20_000, out: 10_000, dropped: { 'max-sensors': 10_000 } })
    expect(balance(m)).toBe(0)
    await svc.handle.metrics.publishNow()
    const metrics = svc.transport.published.filter((p) => p.topic.endsWith('/metrics'))
    expect(metrics.length).toBeGreaterThan(0)
  }, 60_000)

  it('loses nothing to lateness when the transport drops out while samples are buffered upstream', async () => {
    const svc = await start({
      windows: { t1s: { type: 'time', length: 1000, every: 1000, allowedLateness: 0 } },
      idleAfterMs: 100,
    })
    const base = Math.floor(Date.now() / 1000) * 1000
    const batch = (from: number, n: number) => {
      const seq = Array.from({ length: n }, (_, i) => from + i)
      const t = seq.map((s) => base + s * 10)
      return JSON.stringify({ seq, t, value: seq.map(() => 1), ingest: t })
    }
    svc.transport.inject('sluice/pi/light/raw', batch(0, 100)) // one second at 100 Hz
    await svc.settle('raw')
    // The broker goes away for a while; the bridge buffers what its sensor keeps reading.
    svc.transport.setConnected(false)
    await sleep(600)
    svc.transport.setConnected(true)
    svc.transport.inject('sluice/pi/light/raw', batch(100, 100)) // the buffered second
    svc.transport.inject('sluice/pi/light/raw', batch(200, 101)) // and live data after it
    const m = await svc.settle('raw')
    expect(m.dropped.late ?? 0).toBe(0)
    expect(m.out).toBe(301)
    const windows = svc.transport.published
      .filter((p) => p.topic === 'sluice/pi/light/window/t1s')
      .flatMap((p) => {
        const r = decodeWindows(p.payload)
        return r.ok ? r.value : [undefined]
      })
    expect(windows.every((w) => w?.late === 0)).toBe(true)
    // The last aggregate of each full second holds all its 100 samples.
    const last = new Map(windows.map((w) => [w!.start, w!.count]))
    expect(last.get(base)).toBe(100)
    expect(last.get(base + 1000)).toBe(100)
    expect(last.get(base + 2000)).toBe(100)
  })
})
