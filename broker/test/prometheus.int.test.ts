/**
 * The broker's GET /metrics (`--prometheus-port`): Prometheus text that a Prometheus text parser reads,
 * carrying the hops of the metrics message the broker publishes over MQTT, with the same counters.
 */
import { decodeMetrics, metricsTopic } from '@sluice/contract'
import { freePort, parsePrometheusText } from '@sluice/testkit'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { parseBrokerFlags, startBroker } from '../src/internal.js'

describe('broker GET /metrics', () => {
  it('takes --prometheus-port and --prometheus-host', () => {
    expect(parseBrokerFlags(['--prometheus-port', '9464'])).toEqual({ prometheus: { port: 9464 } })
    expect(() => parseBrokerFlags(['--prometheus-host', '0.0.0.0'])).toThrow(
      /needs --prometheus-port/,
    )
  })

  it("serves the hops of the broker's MQTT metrics message, counters equal", async () => {
    const port = await freePort()
    const broker = await startBroker({ port: 0, metricsIntervalMs: 200, prometheus: { port } })
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, clientId: 'watcher' })
    try {
      const payloads = new Map<number, Record<string, { out: number; in: number }>>()
      client.on('message', (_t, p) => {
        const r = decodeMetrics(p)
        if (r.ok) payloads.set(r.value.t, r.value.hops)
      })
      await client.subscribeAsync(metricsTopic('sluice', 'broker', 'main'), { qos: 0 })
      for (let i = 0; i < 5; i++) await client.publishAsync('sluice/d/c/raw', '1', { qos: 1 })
      let checked = false
      for (let i = 0; i < 50 && !checked; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const families = parsePrometheusText(
          await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        )
        const t = Number(
          families.find((f) => f.name === 'sluice_metrics_time_ms')?.metrics[0]?.value,
        )
        const hops = payloads.get(t)
        const hop = hops?.['out:watcher']
        if (hop === undefined || hop.out < 5) continue
        const series = families
          .find((f) => f.name === 'sluice_hop_out_total')
          ?.metrics.find((m) => m.labels?.hop === 'out:watcher')
        expect(series?.labels).toMatchObject({ service: 'broker', instance: 'main' })
        expect(Number(series?.value)).toBe(hop.out)
        checked = true
      }
      expect(checked, 'a scrape matching an MQTT metrics message with the 5 messages out').toBe(
        true,
      )
    } finally {
      await client.endAsync(true)
      await broker.close()
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow()
  })
})
