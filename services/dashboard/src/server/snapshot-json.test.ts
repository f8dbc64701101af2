import { describe, expect, it } from 'vitest'
import { createLiveState } from './live-state.js'
import { createSnapshotEncoder } from './snapshot-json.js'

const config = { prefix: 'sluice', frameMs: 100, ringCapacity: 4096, instance: 'd1' }

function liveWith(sensors: number, perSensor: number) {
  const live = createLiveState({
    maxSamplesPerFrame: 64,
    historySamples: perSensor,
    maxSensors: sensors,
    maxServices: 10,
  })
  for (let s = 0; s < sensors; s++) {
    live.addSamples(
      `dev-${s}/ch`,
      Array.from({ length: perSensor }, (_, k) => ({
        seq: k,
        t: 1_796_000_000_000.5 + k * 100,
        value: Math.sin(k / 10) * 1000,
        ingest: 1_796_000_000_000.7 + k * 100,
      })),
    )
  }
  live.setStatus('windowing', 'w1', { state: 'online', version: '1', host: 'h', since: 0 }, 0)
  return live
}

describe('snapshot within a byte budget', () => {
  it('sends the whole snapshot when it fits', () => {
    const live = liveWith(3, 50)
    const encode = createSnapshotEncoder((share) => live.snapshot(config, share))
    expect(encode(1 << 20)).toBe(JSON.stringify(live.snapshot(config)))
  })

  it('keeps a share of every sensor when the whole does not fit, and stays under the budget', () => {
    const live = liveWith(200, 1200)
    const whole = Buffer.byteLength(JSON.stringify(live.snapshot(config)))
    const budget = 512 * 1024
    expect(whole).toBeGreaterThan(budget * 10)
    let builds = 0
    const encode = createSnapshotEncoder((share) => {
      builds++
      return live.snapshot(config, share)
    })
    const json = encode(budget)
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(budget)
    const snap = JSON.parse(json) as ReturnType<typeof live.snapshot>
    expect(Object.keys(snap.raw).length).toBe(200)
    expect(snap.services.length).toBe(1)
    // Not a sliver: at least half of the budget is used.
    expect(Buffer.byteLength(json)).toBeGreaterThan(budget / 2)
    // The share is remembered: the next snapshot of the same state takes one serialisation.
    builds = 0
    expect(Buffer.byteLength(encode(budget))).toBeLessThanOrEqual(budget)
    expect(builds).toBe(1)
  })

  it('falls back to the config alone when even the services do not fit', () => {
    const live = liveWith(1, 10)
    const encode = createSnapshotEncoder((share) => live.snapshot(config, share))
    const json = encode(150)
    expect(JSON.parse(json)).toEqual({ config, raw: {}, windows: [], anomalies: [], services: [] })
  })
})
