import type { AnomalyEvent, ServiceMetrics } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import type { ServiceRow } from '../protocol.js'
import { learningSensors, sensorState } from './sensor-state.js'
import { SensorStore } from './sensor-store.js'

/** A store holding sensors sim-0/light and sim-0/temp, 10 samples each, last ingest at 901 ms. */
function store(): SensorStore {
  const s = new SensorStore({ ringCapacity: 64 })
  const cols = { seq: [...Array(10).keys()], t: [], v: [], i: [] } as {
    seq: number[]
    t: number[]
    v: number[]
    i: number[]
  }
  for (const k of cols.seq) {
    cols.t.push(k * 100)
    cols.v.push(k)
    cols.i.push(k * 100 + 1)
  }
  s.applyFrame({
    t: 1000,
    raw: { 'sim-0/light': cols, 'sim-0/temp': cols },
    windows: [],
    anomalies: [],
    services: [],
    decimated: 0,
  })
  return s
}

/** The anomaly service's metrics row, its `detectors` entry naming the sensors still learning. */
function anomalyRow(learning: string[], state: 'online' | 'offline' = 'online'): ServiceRow {
  const metrics = {
    service: 'anomaly',
    instance: 'a1',
    t: 1000,
    hops: {
      detectors: {
        direction: 'in',
        qos: 1,
        policy: 'drop-oldest',
        in: 2,
        out: 0,
        dropped: {},
        rejected: 0,
        queue: { length: 0, capacity: 0 },
        state: 'ok',
        detectors: {
          sensors: 2,
          learning: learning.length,
          normal: 2 - learning.length,
          anomalous: 0,
          learningSensors: learning,
          devices: 1,
          devicesLearning: 0,
          devicesAnomalous: 0,
          episodes: 0,
        },
      },
    },
  } as ServiceMetrics
  return {
    service: 'anomaly',
    instance: 'a1',
    status: { state, version: '0.1.0', host: 'h', since: 0 },
    metrics,
    seenAt: 1000,
  }
}

describe('sensorState', () => {
  it('is learning, not ok, for a sensor the anomaly service reports still learning', () => {
    const s = store()
    s.applyFrame({
      t: 1000,
      raw: {},
      windows: [],
      anomalies: [],
      services: [anomalyRow(['sim-0/light'])],
      decimated: 0,
    })
    const learning = learningSensors(s.services.values())
    expect(sensorState(s.sensors.get('sim-0/light')!, learning, 1000)).toBe('learning')
    expect(sensorState(s.sensors.get('sim-0/temp')!, learning, 1000)).toBe('ok')
  })

  it('is ok once the service no longer lists it, and ignores an offline instance', () => {
    const s = store()
    expect(
      sensorState(s.sensors.get('sim-0/light')!, learningSensors([anomalyRow([])]), 1000),
    ).toBe('ok')
    const offline = learningSensors([anomalyRow(['sim-0/light'], 'offline')])
    expect(sensorState(s.sensors.get('sim-0/light')!, offline, 1000)).toBe('ok')
  })

  it('says stale before anything else, and anomaly before learning', () => {
    const s = store()
    const learning = new Set(['sim-0/light'])
    expect(sensorState(s.sensors.get('sim-0/light')!, learning, 7000)).toBe('stale')
    const ev = { seq: 9, t: 900, value: 9, score: 9, threshold: 4 } as AnomalyEvent
    s.applyFrame({
      t: 1000,
      raw: {},
      windows: [],
      anomalies: [{ key: 'sim-0/light', ev }],
      services: [],
      decimated: 0,
    })
    expect(sensorState(s.sensors.get('sim-0/light')!, learning, 1000)).toBe('anomaly')
  })
})
