/**
 * GET /metrics (prometheus.ts): a running service serves the Prometheus text format, which a Prometheus
 * text parser reads, and whose counters equal the metrics payload the service published over MQTT.
 */
import { Type } from '@sinclair/typebox'
import {
  decodeMetrics,
  metricsTopic,
  rawFilter,
  rawTopic,
  type ServiceMetrics,
} from '@sluice/contract'
import { freePort, parsePrometheusText, type PrometheusFamily } from '@sluice/testkit'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startService } from '../src/index.js'
import { aedesKind, type TestBroker } from './brokers.js'

/** The value of one series, found by name and labels. */
function value(
  families: readonly PrometheusFamily[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const family = families.find((f) => f.name === name)
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  )
  return sample?.value === undefined ? undefined : Number(sample.value)
}

describe('GET /metrics', () => {
  let broker: TestBroker
  beforeAll(async () => {
    broker = await aedesKind.start()
  })
  afterAll(async () => {
    await broker.close()
  })

  it('parses as Prometheus text and its counters equal the MQTT metrics payload', async () => {
    const port = await freePort()
    const svc = await startService(
      {
        name: 'promsvc',
        version: '1.0.0',
        configSchema: Type.Object({}),
        create: (ctx) => {
          ctx.inbound({
            name: 'raw',
            qos: 1,
            queue: { capacity: 100, policy: 'drop-oldest' },
            filters: [rawFilter('p1')],
            handle: () => undefined,
          })
          return { start: () => Promise.resolve(), stop: () => Promise.resolve() }
        },
      },
      {
        overrides: {
          broker: broker.url,
          instance: 'm1',
          prefix: 'p1',
          prometheusPort: port,
          metricsIntervalMs: 300,
          logLevel: 'silent',
        },
      },
    )
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    try {
      const payloads: ServiceMetrics[] = []
      client.on('message', (_t, p) => {
        const r = decodeMetrics(p)
        if (r.ok) payloads.push(r.value)
      })
      await client.subscribeAsync(metricsTopic('p1', 'promsvc', 'm1'), { qos: 0 })
      const topic = rawTopic('p1', 'dev', 'temp')
      for (const seq of [0, 1, 2, 5]) {
        const sample = { seq, t: Date.now(), value: seq, ingest: Date.now() }
        await client.publishAsync(topic, JSON.stringify(sample), { qos: 1 })
      }
      await client.publishAsync(topic, '"not a reading"', { qos: 1 })
      await client.publishAsync(rawTopic('p1', 'dev', 'hum'), '40', { qos: 1 }) // unsequenced

      // Scrape until the endpoint shows a payload that came over MQTT with every sample in it.
      let families: PrometheusFamily[] = []
      let payload: ServiceMetrics | undefined
      for (let i = 0; i < 50 && payload === undefined; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const res = await fetch(`http://127.0.0.1:${port}/metrics`)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toContain('text/plain')
        families = parsePrometheusText(await res.text())
        const t = value(families, 'sluice_metrics_time_ms', { service: 'promsvc' })
        const p = payloads.find((m) => m.t === t)
        if (p !== undefined && p.hops.raw!.in === 5) payload = p
      }
      expect(payload, 'a payload with all 5 samples, both over MQTT and at /metrics').toBeDefined()
      const hop = payload!.hops.raw!
      const labels = { service: 'promsvc', instance: 'm1', hop: 'raw', direction: 'in' }
      expect(value(families, 'sluice_hop_in_total', labels)).toBe(hop.in)
      expect(value(families, 'sluice_hop_out_total', labels)).toBe(hop.out)
      expect(value(families, 'sluice_hop_rejected_total', labels)).toBe(hop.rejected)
      expect(value(families, 'sluice_hop_gaps_total', labels)).toBe(hop.gaps)
      expect(value(families, 'sluice_hop_unsequenced_total', labels)).toBe(hop.unsequenced)
      expect(value(families, 'sluice_hop_queue_capacity', labels)).toBe(hop.queue.capacity)
      expect(value(families, 'sluice_hop_sensors', labels)).toBe(hop.sensors)
      expect(value(families, 'sluice_hop_state', labels)).toBe(0)
      // Numbers that show the test compares something: 5 in, 1 rejected, 2 missing seqs, 2 sensors.
      expect([hop.in, hop.rejected, hop.gaps, hop.unsequenced, hop.sensors]).toEqual([
        5, 1, 2, 1, 2,
      ])
      expect(families.find((f) => f.name === 'sluice_hop_in_total')?.type).toBe('COUNTER')
      expect(families.find((f) => f.name === 'sluice_hop_latency_ms')).toBeDefined()
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404)
    } finally {
      await client.endAsync(true)
      await svc.stop()
    }
    // Closed with the service.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow()
  })
})
