import type { AnomalyEvent, GroupMetrics, ServiceStatus } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { createLiveState } from './live-state.js'

const samples = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => ({
    seq: from + k,
    t: (from + k) * 10,
    value: k,
    ingest: (from + k) * 10 + 1,
  }))
const status: ServiceStatus = { state: 'online', version: '1', host: 'h', since: 0 }
const event = { seq: 5, t: 50, value: 9, score: 5, threshold: 4 } as AnomalyEvent
const config = { prefix: 'sluice', frameMs: 100, ringCapacity: 100, instance: 'd1' }
const options = { maxSamplesPerFrame: 16, historySamples: 50, maxSensors: 2, maxServices: 1 }

describe('live state', () => {
  it('cuts everything that arrived into one frame, then starts empty', () => {
    const live = createLiveState(options)
    live.addSamples('a/x', samples(0, 5))
    live.addAnomaly('a/x', event)
    live.setStatus('windowing', 'w1', status, 1000)
    const f = live.takeFrame(2000)!
    expect(f.raw['a/x']!.seq).toEqual([0, 1, 2, 3, 4])
    expect(f.anomalies).toEqual([{ key: 'a/x', ev: event }])
    expect(f.services.map((s) => s.service)).toEqual(['windowing'])
    expect(live.takeFrame(2100)).toBeUndefined()
  })

  it('tells onChange of everything it keeps, and of nothing it refuses', () => {
    let changes = 0
    const live = createLiveState({ ...options, onChange: () => changes++ })
    live.addSamples('a/x', samples(0, 5))
    live.addAnomaly('a/x', event)
    live.setStatus('windowing', 'w1', status, 1000)
    expect(changes).toBe(3)
    live.addSamples('b/x', samples(0, 1))
    live.addSamples('c/x', samples(0, 1)) // over maxSensors (2)
    live.addAnomaly('d/x', event) // over maxSensors
    live.setStatus('anomaly', 'a1', status, 1000) // over maxServices (1)
    expect(changes).toBe(4)
  })

  it("passes a group's ownership report on to the page in the frame and the snapshot", () => {
    const live = createLiveState(options)
    const group: GroupMetrics = {
      group: 'windowing',
      generation: 2,
      members: [{ instance: 'w1', weight: 1 }],
      units: 6,
      owned: 6,
      rebalances: 1,
      handovers: { sent: 0, received: 0, fresh: 6 },
      overlap: 0,
      lost: 0,
    }
    live.setMetrics(
      'windowing',
      'w1',
      { service: 'windowing', instance: 'w1', t: 1, hops: {}, group },
      1000,
    )
    expect(live.takeFrame(2000)!.services[0]!.metrics?.group).toEqual(group)
    expect(live.snapshot(config).services[0]!.metrics?.group).toEqual(group)
  })

  it('decimates a sensor that sent more than a frame may carry, and counts it', () => {
    const live = createLiveState(options)
    live.addSamples('a/x', samples(0, 1000))
    const f = live.takeFrame(0)!
    expect(f.raw['a/x']!.v.length).toBeLessThanOrEqual(16)
    expect(f.decimated + f.raw['a/x']!.v.length).toBe(1000)
    expect(live.stats.decimated).toBe(f.decimated)
  })

  it('keeps only the newest history per sensor for the snapshot', () => {
    const live = createLiveState(options)
    live.addSamples('a/x', samples(0, 120))
    const snap = live.snapshot(config)
    expect(snap.raw['a/x']!.seq).toEqual(samples(70, 50).map((s) => s.seq))
    expect(snap.config).toBe(config)
  })

  it('ignores and counts sensors and services beyond the limits', () => {
    const live = createLiveState(options)
    live.addSamples('a/x', samples(0, 1))
    live.addSamples('b/x', samples(0, 1))
    live.addSamples('c/x', samples(0, 3))
    live.setStatus('windowing', 'w1', status, 0)
    live.setStatus('anomaly', 'a1', status, 0)
    expect(live.stats).toMatchObject({ sensors: 2, services: 1, overLimit: 4 })
    expect(Object.keys(live.snapshot(config).raw)).toEqual(['a/x', 'b/x'])
  })

  it('forgets a sensor quiet for expireAfterMs, history and all, and counts it', () => {
    const live = createLiveState({ ...options, maxSensors: 2, expireAfterMs: 1000 })
    live.addSamples('a/x', samples(0, 5))
    live.addSamples('b/x', samples(0, 5))
    live.takeFrame(0)
    live.addSamples('a/x', samples(5, 1))
    live.takeFrame(900)
    // b/x has been quiet for 1 000 ms at the frame of t = 1000; a/x sent at 900.
    live.addWindow('a/x', 'w5s', {} as never)
    live.takeFrame(1000)
    expect(Object.keys(live.snapshot(config).raw)).toEqual(['a/x'])
    expect(live.stats).toMatchObject({ sensors: 1, expired: 1 })
    // Its place is free again: a third sensor fits under maxSensors.
    live.addSamples('c/x', samples(0, 1))
    expect(live.stats).toMatchObject({ sensors: 2, overLimit: 0 })
    // Aggregates alone keep a sensor alive.
    live.addWindow('a/x', 'w5s', {} as never)
    live.takeFrame(1900)
    live.takeFrame(2000)
    expect(Object.keys(live.snapshot(config).raw)).toEqual(['a/x', 'c/x'])
  })

  it('keeps every sensor for good when expireAfterMs is 0', () => {
    const live = createLiveState({ ...options, expireAfterMs: 0 })
    live.addSamples('a/x', samples(0, 5))
    live.takeFrame(0)
    live.takeFrame(1e12)
    expect(live.stats).toMatchObject({ sensors: 1, expired: 0 })
  })

  it('gives a share of the snapshot: decimated history, the newest aggregates and events', () => {
    const live = createLiveState({ ...options, historySamples: 100, anomalyHistory: 10 })
    live.addSamples('a/x', samples(0, 100))
    for (let k = 0; k < 10; k++) live.addAnomaly('a/x', { ...event, seq: k })
    const part = live.snapshot(config, 0.2)
    expect(part.raw['a/x']!.v.length).toBe(20)
    // Min/max decimation keeps the whole time span.
    expect(part.raw['a/x']!.t[0]).toBeLessThan(100)
    expect(part.raw['a/x']!.t.at(-1)).toBeGreaterThan(900)
    expect(part.anomalies.map((a) => a.ev.seq)).toEqual([8, 9])
    const none = live.snapshot(config, 0)
    expect(none.raw).toEqual({})
    expect(none.anomalies).toEqual([])
    expect(live.snapshot(config, 1).raw['a/x']!.v.length).toBe(100)
  })
})
