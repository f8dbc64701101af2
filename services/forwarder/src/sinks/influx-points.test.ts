import type { ServiceMetrics } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { anomalyEvent, rawSample, windowAggregate } from '../../test/helpers.js'
import { INFLUX_SCHEMA, MEASUREMENTS, toPoints } from './influx-points.js'
import type { Point } from './line-protocol.js'
import type { ForwardItem } from './sink.js'

const metrics: ServiceMetrics = {
  service: 'forwarder',
  instance: 'f1',
  t: 1732480000000,
  hops: {
    influx: {
      direction: 'out',
      qos: 1,
      policy: 'drop-oldest',
      in: 10,
      out: 9,
      dropped: { evicted: 1 },
      rejected: 0,
      queue: { length: 1, capacity: 1000 },
      lambda: 5,
      mu: 6,
      rho: 0.83,
      w: 2,
      l: 0.01,
      lMeasured: 0.02,
      latency: { p50: 1, p95: 2, p99: 3 },
      gaps: 0,
      unexplainedLoss: 0,
      state: 'ok',
      sink: {
        spoolBytes: 100,
        spoolMaxBytes: 1000,
        oldestAgeMs: 12.5,
        sendRate: 6,
        retries: 2,
        failures: 2,
        evicted: 1,
        tornTails: 0,
      },
    },
  },
  process: { rssBytes: 1e8, heapUsedBytes: 5e7, cpuPercent: 3.5, eventLoopDelayP99: 1.2 },
}

const items: ForwardItem[] = [
  {
    kind: 'raw',
    topic: 'sluice/uno/light/raw',
    device: 'uno',
    channel: 'light',
    payload: rawSample(1),
  },
  {
    kind: 'window',
    topic: 'sluice/uno/light/window/w5s',
    device: 'uno',
    channel: 'light',
    window: 'w5s',
    payload: windowAggregate(1),
  },
  {
    kind: 'anomaly',
    topic: 'sluice/uno/light/anomaly',
    device: 'uno',
    channel: 'light',
    payload: anomalyEvent(1),
  },
  {
    kind: 'anomaly',
    topic: 'sluice/pump/flow/anomaly',
    device: 'pump',
    channel: 'flow',
    payload: {
      ...anomalyEvent(2),
      detector: 'multivariate',
      scope: 'device',
      episode: {
        id: 'pump/_device/1000',
        phase: 'end',
        startT: 1000,
        lastT: 4000.5,
        durationMs: 3000.5,
        alerts: 12,
        peakScore: 9.5,
        channels: ['flow', 'pressure'],
      },
    },
  },
  {
    kind: 'metrics',
    topic: 'sluice/_sys/forwarder/f1/metrics',
    service: 'forwarder',
    instance: 'f1',
    payload: metrics,
  },
]

const typeOf = (v: Point['fields'][string]): string =>
  typeof v === 'object'
    ? 'integer'
    : typeof v === 'string'
      ? 'string'
      : typeof v === 'number'
        ? 'float'
        : 'boolean'

describe('InfluxDB point mapping', () => {
  it('writes exactly the tags and fields INFLUX_SCHEMA documents, with their types, for a full payload', () => {
    const points = items.flatMap(toPoints)
    expect(new Set(points.map((p) => p.measurement))).toEqual(new Set(Object.values(MEASUREMENTS)))
    for (const p of points) {
      const schema = INFLUX_SCHEMA[p.measurement as keyof typeof INFLUX_SCHEMA]
      expect(Object.keys(p.tags).sort(), p.measurement).toEqual([...schema.tags].sort())
      expect(Object.keys(p.fields).sort(), p.measurement).toEqual(Object.keys(schema.fields).sort())
      for (const [k, v] of Object.entries(p.fields))
        expect(`${p.measurement}.${k}:${typeOf(v)}`).toBe(
          `${p.measurement}.${k}:${(schema.fields as Readonly<Record<string, string>>)[k] ?? 'missing'}`,
        )
    }
  })

  it('stamps raw samples and anomalies at their event time and windows at their end', () => {
    const [raw, win, an] = items.slice(0, 3).map((i) => toPoints(i)[0]!)
    expect(raw!.timeMs).toBe(rawSample(1).t)
    expect(win!.timeMs).toBe(windowAggregate(1).end)
    expect(an!.timeMs).toBe(anomalyEvent(1).t)
  })

  it('writes an episode as an annotation stamped at its start, with its end and duration', () => {
    const points = toPoints(items[3]!)
    expect(points.map((p) => p.measurement)).toEqual([MEASUREMENTS.anomaly, MEASUREMENTS.episode])
    const ep = points[1]!
    expect(ep.timeMs).toBe(1000)
    expect(ep.tags).toEqual({
      device: 'pump',
      channel: 'flow',
      detector: 'multivariate',
      scope: 'device',
    })
    expect(ep.fields).toMatchObject({
      end_ms: 4000.5,
      duration_ms: 3000.5,
      channels: 'flow,pressure',
    })
    // A v1 event (no episode) writes the anomaly point alone.
    expect(toPoints(items[2]!).map((p) => p.measurement)).toEqual([MEASUREMENTS.anomaly])
  })

  it('writes nothing for status messages', () => {
    expect(toPoints({ kind: 'status', topic: 'sluice/_sys/x/y/status', payload: {} })).toEqual([])
  })
})
