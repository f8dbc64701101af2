/**
 * @module test/intake
 * The anomaly service's intake under the cases of issue 11, on a fake transport (no broker): fuzzed
 * topics and payloads, and 20 000 sensors. The service must keep running and publishing metrics, and
 * account for every message: each sample taken in is out, dropped by a named reason, or still queued,
 * and each bad message is rejected.
 */
import {
  decodeDeviceRaw,
  decodeRawSamples,
  parseTopic,
  topicMatches,
  type HopMetrics,
} from '@sluice/contract'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { oddPayload, oddTopic } from '../../../libs/contract/test/fuzz-arbitraries.js'
import { startFakeService, type FakeService } from '../../../libs/mesh/test/fake-service.js'
import { anomalyService } from '../src/index.js'

const running: FakeService<typeof anomalyService.configSchema>[] = []
afterEach(async () => {
  for (const s of running.splice(0)) await s.handle.stop()
})

async function start(overrides: Record<string, unknown> = {}) {
  const s = await startFakeService(anomalyService, overrides)
  running.push(s)
  return s
}

/** in = out + dropped + queued (`unconfirmed` is already in out). */
function balance(m: HopMetrics): number {
  let dropped = 0
  for (const [reason, n] of Object.entries(m.dropped)) if (reason !== 'unconfirmed') dropped += n
  return m.in - m.out - dropped - m.queue.length
}

describe('anomaly intake (issue 11)', () => {
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
    const m = await svc.settle('raw')
    expect(expectedIn).toBeGreaterThan(0)
    expect(expectedRejected).toBeGreaterThan(0)
    expect(m.dropped['max-sensors']).toBeGreaterThan(0)
    // Still alive: metrics still go out.
    await svc.handle.metrics.publishNow()
    expect(
      svc.transport.published.some((p) => p.topic === 'sluice/_sys/anomaly/fake/metrics'),
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
  }, 60_000)
})
