import type { AnomalyEvent, WindowAggregate } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import type { Frame, Snapshot } from '../protocol.js'
import { SensorStore, WindowRing } from './sensor-store.js'

const cols = (from: number, n: number) => {
  const seq = Array.from({ length: n }, (_, k) => from + k)
  return {
    seq,
    t: seq.map((s) => s * 100),
    v: seq.map((s) => s % 7),
    i: seq.map((s) => s * 100 + 1),
  }
}
const agg = (end: number, mean: number): WindowAggregate => ({
  window: 'w',
  kind: 'tumbling',
  start: end - 1000,
  end,
  count: 10,
  mean,
  std: 1,
  min: 0,
  max: 9,
  first: 0,
  last: 0,
  seqFrom: 0,
  seqTo: 9,
  late: 0,
  ingestMax: end,
})
const anomaly = (seq: number): AnomalyEvent => ({
  seq,
  t: seq * 100,
  value: 99,
  score: 6,
  threshold: 4,
  detector: 'zscore',
  level: 'very-unusual',
  kind: 'spike',
  baseline: { mean: 3, std: 1, n: 50 },
  ingest: seq * 100 + 1,
})
const frame = (over: Partial<Frame>): Frame => ({
  t: 0,
  raw: {},
  windows: [],
  anomalies: [],
  services: [],
  decimated: 0,
  ...over,
})
const snapshot = (over: Partial<Snapshot>): Snapshot => ({
  config: { prefix: 'sluice', frameMs: 100, ringCapacity: 50, instance: 'd1' },
  raw: {},
  windows: [],
  anomalies: [],
  services: [],
  ...over,
})

describe('SensorStore', () => {
  it('keeps at most ringCapacity samples per sensor however many frames arrive', () => {
    const store = new SensorStore({ ringCapacity: 50 })
    for (let f = 0; f < 100; f++) store.applyFrame(frame({ raw: { 'a/x': cols(f * 10, 10) } }))
    expect(store.sensors.get('a/x')!.samples.length).toBe(50)
    expect(store.received).toBe(1000)
    expect(store.sensors.get('a/x')!.undrawn.length).toBeLessThanOrEqual(SensorStore.UNDRAWN_CAP)
  })

  it('starts over from a snapshot and ignores frame samples the snapshot already had', () => {
    const store = new SensorStore({ ringCapacity: 50 })
    store.applyFrame(
      frame({ raw: { 'a/x': cols(0, 5) }, anomalies: [{ key: 'a/x', ev: anomaly(3) }] }),
    )
    store.applySnapshot(snapshot({ raw: { 'a/x': cols(10, 5) } }))
    const s = store.sensors.get('a/x')!
    expect(s.samples.length).toBe(5)
    expect(s.anomalies).toEqual([])
    store.applyFrame(frame({ raw: { 'a/x': cols(12, 5) } }))
    expect(s.samples.length).toBe(7)
  })

  it('bounds anomaly history and tracks window names and devices', () => {
    const store = new SensorStore({ ringCapacity: 50, anomalyCapacity: 3 })
    for (let k = 0; k < 10; k++)
      store.applyFrame(frame({ anomalies: [{ key: 'b/y', ev: anomaly(k) }] }))
    store.applyFrame(frame({ windows: [{ key: 'a/x', name: 't5s', agg: agg(1000, 5) }] }))
    expect(store.sensors.get('b/y')!.anomalies.map((e) => e.seq)).toEqual([7, 8, 9])
    expect(store.recentAnomalies.length).toBe(3)
    expect(store.windowNames).toEqual(['t5s'])
    expect(store.devices()).toEqual(['a', 'b'])
  })
})

describe('WindowRing', () => {
  it('replaces the last aggregate when a window is re-emitted with the same end', () => {
    const r = new WindowRing(4)
    r.push(1000, 1, 0)
    r.push(2000, 2, 0)
    r.push(2000, 2.5, 0)
    expect(r.length).toBe(2)
    expect(r.mean[r.index(1)]).toBe(2.5)
  })
})
