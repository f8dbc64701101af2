/**
 * @module test/batching
 * How the windowing service sends its aggregates (issue 16, adaptive batching at every outbound hop), on a
 * fake transport: the aggregates of one topic closed by one raw batch go out in one message, a JSON array
 * in order; an aggregate that comes alone goes out at once as an object; `batch.maxAggregates: 1` sends
 * every aggregate on its own, as before.
 */
import { decodeWindow, decodeWindows, type WindowAggregate } from '@sluice/contract'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakeService, type FakeService } from '../../../libs/mesh/test/fake-service.js'
import { windowingService } from '../src/index.js'

const running: FakeService<typeof windowingService.configSchema>[] = []
afterEach(async () => {
  for (const s of running.splice(0)) await s.handle.stop()
})

const TOPIC = 'sluice/pi/light/window/c10'

async function start(batch?: Record<string, unknown>) {
  const s = await startFakeService(windowingService, {
    windows: { c10: { type: 'count', size: 10, stride: 10 } },
    ...(batch ? { batch } : {}),
  })
  running.push(s)
  return s
}

const base = Date.now()
const raw = (from: number, n: number) => {
  const seq = Array.from({ length: n }, (_, i) => from + i)
  const t = seq.map((s) => base + s * 10)
  return JSON.stringify({ seq, t, value: seq, ingest: t })
}

const published = (svc: FakeService<typeof windowingService.configSchema>) =>
  svc.transport.published.filter((p) => p.topic === TOPIC)

/** Every aggregate of every message, in order. */
const aggregates = (svc: FakeService<typeof windowingService.configSchema>): WindowAggregate[] =>
  published(svc).flatMap((p) => {
    const r = decodeWindows(p.payload)
    if (!r.ok) throw r.error
    return r.value
  })

describe('windowing output batching (issue 16)', () => {
  it('sends the aggregates one raw batch closes in one message, in order, and a lone one as an object', async () => {
    const svc = await start()
    svc.transport.inject('sluice/pi/light/raw', raw(0, 100))
    await svc.settle('raw')
    expect(published(svc)).toHaveLength(1)
    expect(aggregates(svc).map((a) => [a.seqFrom, a.seqTo])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i * 10, i * 10 + 9]),
    )
    expect(aggregates(svc).map((a) => a.mean)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * 10 + 4.5),
    )
    // Ten lone samples: the tenth closes one window, which goes out alone as a `sluice.v1.window`.
    for (let s = 100; s < 110; s++) svc.transport.inject('sluice/pi/light/raw', raw(s, 1))
    await svc.settle('raw')
    expect(published(svc)).toHaveLength(2)
    const lone = decodeWindow(published(svc)[1]!.payload)
    expect(lone.ok && [lone.value.seqFrom, lone.value.seqTo]).toEqual([100, 109])
    expect((await svc.settle('windows')).out).toBe(11)
  })

  it('sends every aggregate on its own with batch.maxAggregates 1', async () => {
    const svc = await start({ maxAggregates: 1 })
    svc.transport.inject('sluice/pi/light/raw', raw(0, 100))
    await svc.settle('raw')
    expect(published(svc)).toHaveLength(10)
    for (const p of published(svc)) expect(decodeWindow(p.payload).ok).toBe(true)
    expect(aggregates(svc).map((a) => a.seqFrom)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * 10),
    )
  })
})
