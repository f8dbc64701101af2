import { decodeMetrics, encode } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { createDeviceMetrics, type DeviceBackpressure } from './device-metrics.js'

const base: DeviceBackpressure = {
  id: 'arduino',
  mode: 'free',
  pressure: 'none',
  targetHz: 40,
  appliedHz: 40,
  ackedHz: 40,
  commands: 0,
  samplesIn: 0,
  edgeDropped: 0,
  rejected: 0,
}

describe('createDeviceMetrics', () => {
  it('reports the device as a valid hop, ok while free', () => {
    let t = 0
    const figures = { ...base }
    const source = createDeviceMetrics(
      () => figures,
      () => t,
    )
    expect(source.name).toBe('device')
    const first = source.metrics()
    expect(first).toMatchObject({ direction: 'in', in: 0, out: 0, state: 'ok', dropped: {} })
    expect(first.device).toEqual({
      id: 'arduino',
      mode: 'free',
      pressure: 'none',
      targetHz: 40,
      appliedHz: 40,
      ackedHz: 40,
      commands: 0,
      edgeDropped: 0,
    })
    t = 1000
    figures.samplesIn = 80
    const second = source.metrics()
    expect(second.lambda).toBe(80)
    expect(second.mu).toBe(80)
    const message = { service: 'serial-bridge', instance: 'pi', t: 1, hops: { device: second } }
    expect(decodeMetrics(encode(message)).ok).toBe(true)
  })

  it('is a warning while throttled, and critical while more than 1% is dropped at the edge', () => {
    let t = 0
    let figures: DeviceBackpressure = {
      ...base,
      mode: 'throttled',
      pressure: 'queue',
      appliedHz: 20,
    }
    const source = createDeviceMetrics(
      () => figures,
      () => t,
    )
    expect(source.metrics().state).toBe('warning')
    t = 1000
    figures = { ...figures, mode: 'edge', samplesIn: 40, edgeDropped: 30, appliedHz: 10 }
    const m = source.metrics()
    expect(m.state).toBe('critical')
    expect(m.dropped).toEqual({ edge: 30 })
    expect(m.out).toBe(10)
    expect(m.mu).toBe(10)
    // The next interval drops nothing: back to a warning (still at the edge).
    t = 2000
    figures = { ...figures, samplesIn: 50 }
    expect(source.metrics().state).toBe('warning')
  })
})
