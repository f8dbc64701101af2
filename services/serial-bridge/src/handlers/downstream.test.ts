import type { HopMetrics, ServiceMetrics } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { createDownstreamPressure, downstreamHopSpec } from './downstream.js'

function hop(
  state: HopMetrics['state'],
  topic?: string,
  direction: 'in' | 'out' = 'in',
): HopMetrics {
  return {
    direction,
    ...(topic !== undefined ? { topic } : {}),
    qos: 1,
    policy: 'drop-oldest',
    in: 0,
    out: 0,
    dropped: {},
    rejected: 0,
    queue: { length: 0, capacity: 100 },
    state,
  }
}

function metrics(
  service: string,
  instance: string,
  hops: Record<string, HopMetrics>,
): ServiceMetrics {
  return { service, instance, t: 0, hops }
}

const tracker = () =>
  createDownstreamPressure({
    prefix: 'sluice',
    devices: ['arduino'],
    channels: () => ['light', 'temp'],
    ttlMs: 3000,
  })

describe('createDownstreamPressure', () => {
  it('names a critical consumer of our raw topics while its report is fresh', () => {
    const d = tracker()
    d.report(metrics('windowing', 'c1', { raw: hop('critical', 'sluice/+/+/raw') }), 1000)
    expect(d.critical(1000)).toBe('windowing/c1 raw')
    expect(d.critical(3999)).toBe('windowing/c1 raw')
    // No newer report: a consumer that died critical does not hold the device down.
    expect(d.critical(4000)).toBeUndefined()
  })

  it('clears at once when the same instance reports its consumer healthy again', () => {
    const d = tracker()
    d.report(metrics('anomaly', 'a1', { raw: hop('critical', 'sluice/arduino/light/raw') }), 0)
    expect(d.critical(1)).toBe('anomaly/a1 raw')
    d.report(metrics('anomaly', 'a1', { raw: hop('warning', 'sluice/arduino/light/raw') }), 1000)
    expect(d.critical(1001)).toBeUndefined()
  })

  it("ignores other devices' topics, outbound hops, hops without a topic and other states", () => {
    const d = tracker()
    d.report(metrics('windowing', 'c1', { raw: hop('critical', 'sluice/other/+/raw') }), 0)
    d.report(metrics('windowing', 'c2', { window: hop('critical', 'sluice/+/+/raw', 'out') }), 0)
    d.report(metrics('dashboard', 'd1', { ws: hop('critical') }), 0)
    d.report(metrics('forwarder', 'f1', { win: hop('critical', 'sluice/+/+/window/+') }), 0)
    d.report(metrics('windowing', 'c3', { raw: hop('warning', 'sluice/+/+/raw') }), 0)
    expect(d.critical(1)).toBeUndefined()
  })

  it('finds our topic among the comma-joined filters of a per-sensor hop', () => {
    const d = tracker()
    d.report(
      metrics('windowing', 'c1', {
        raw: hop('critical', 'sluice/a/light/raw,sluice/arduino/temp/raw'),
      }),
      0,
    )
    expect(d.critical(1)).toBe('windowing/c1 raw')
  })
})

describe('downstreamHopSpec', () => {
  it('subscribes to every service’s metrics and hands on the newest message of a batch', () => {
    const seen: ServiceMetrics[] = []
    const spec = downstreamHopSpec('sluice', (m) => seen.push(m))
    expect(spec.filters).toEqual(['sluice/_sys/+/+/metrics'])
    const a = metrics('windowing', 'c1', {})
    const b = { ...a, t: 1 }
    void spec.handle('windowing/c1', [a, b], { ackAfter: () => undefined } as never)
    expect(seen).toEqual([b])
    const decoded = spec.decode!('sluice/_sys/windowing/c1/metrics', Buffer.from(JSON.stringify(a)))
    expect(decoded).toEqual({ ok: true, value: [a] })
  })
})
