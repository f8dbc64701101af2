import type { AnomalyEvent } from '@sluice/contract'
import { createSimulator, pumpDevice, type Sample } from '@sluice/stream'
import { describe, expect, it } from 'vitest'
import { createDeviceDetectors, type DeviceDetectors } from './device-detectors.js'

const CHANNELS = ['current', 'pressure', 'flow']

/** The pump's samples per channel, as the bridge publishes them: one raw topic per channel. */
function pumpSamples(anomalies: Parameters<typeof pumpDevice>[2] = {}): Sample[][] {
  const sim = createSimulator({
    seed: 3,
    startTime: 0,
    devices: [pumpDevice('pump', 10, anomalies)],
  })
  const per: Sample[][] = CHANNELS.map(() => [])
  for (const l of sim.advance(300_000)) {
    l.values.forEach((value, i) => per[i]!.push({ seq: l.seq, t: l.t, value, ingest: l.t }))
  }
  return per
}

describe('device detectors', () => {
  it('joins channels that arrive in separate batches by seq, and finds a broken relation once', () => {
    const events: [string, AnomalyEvent][] = []
    const devices = createDeviceDetectors(
      { detector: { learnMs: 60_000 }, episodes: { holdoffSamples: 20 } },
      (key, e) => events.push([key, e]),
    )
    const per = pumpSamples({ flow: [{ kind: 'decouple', at: 1650, magnitude: 0, duration: 50 }] })
    // Batches of 50 samples, channel after channel, as the bridge flushes them.
    for (let from = 0; from < per[0]!.length; from += 50) {
      CHANNELS.forEach((c, i) => devices.push(`pump/${c}`, per[i]!.slice(from, from + 50)))
    }
    expect(devices.devices).toBe(1)
    expect(devices.incomplete).toBe(0)
    const starts = events.filter(([, e]) => e.episode?.phase === 'start')
    expect(starts).toHaveLength(1)
    const [key, start] = starts[0]!
    expect(key).toBe('pump/flow')
    expect(start.scope).toBe('device')
    expect(start.detector).toBe('multivariate')
    expect(start.seq).toBeGreaterThanOrEqual(1650)
    expect(start.seq).toBeLessThanOrEqual(1653)
    const end = events.find(([, e]) => e.episode?.phase === 'end')
    expect(end?.[0]).toBe('pump/flow')
    expect(end?.[1].episode?.id).toBe(start.episode?.id)
    expect(end?.[1].episode?.channels[0]).toBe('flow')
    expect(devices.states()).toEqual({ learning: 0, normal: 1, anomalous: 0 })
  })

  it('drops and counts a row whose channel never delivers, keeping its memory bounded', () => {
    const devices = createDeviceDetectors(
      { detector: {}, episodes: {}, joinWindow: 10 },
      () => undefined,
    )
    const per = pumpSamples()
    const lossy = per[2]!.filter((s) => s.seq % 100 !== 7)
    for (let from = 0; from < 1000; from += 5) {
      devices.push('pump/current', per[0]!.slice(from, from + 5))
      devices.push('pump/pressure', per[1]!.slice(from, from + 5))
      devices.push(
        'pump/flow',
        lossy.filter((s) => s.seq >= from && s.seq < from + 5),
      )
    }
    expect(devices.incomplete).toBe(10)
  })

  it('keeps a one-channel device out of the multivariate detector', () => {
    const devices = createDeviceDetectors({ detector: {}, episodes: {} }, () => undefined)
    devices.push('uno/light', [{ seq: 1, t: 1, value: 1, ingest: 1 }])
    expect(devices.devices).toBe(0)
  })
})

describe('device handover (multivariate)', () => {
  const options = { detector: { learnMs: 60_000 }, episodes: { holdoffSamples: 20 } }
  const per = pumpSamples({ flow: [{ kind: 'decouple', at: 1650, magnitude: 0, duration: 50 }] })
  /** Batch `k` of 50 samples per channel, channel after channel, stopping before channel `upTo`. */
  const batch = (d: DeviceDetectors, k: number, upTo = CHANNELS.length) => {
    CHANNELS.slice(0, upTo).forEach((c, i) => {
      d.push(`pump/${c}`, per[i]!.slice(k * 50, k * 50 + 50))
    })
  }
  const rest = (d: DeviceDetectors, k: number, from: number) => {
    CHANNELS.slice(from).forEach((c, j) => {
      d.push(`pump/${c}`, per[from + j]!.slice(k * 50, k * 50 + 50))
    })
  }
  const batches = Math.ceil(per[0]!.length / 50)

  it.each([
    ['a join window wider than a batch', options],
    ['a join window narrower than a batch, which drops rows', { ...options, joinWindow: 30 }],
  ])('continues after export and import with %s, as one instance fed everything', (_, options) => {
    const one: [string, AnomalyEvent][] = []
    const whole = createDeviceDetectors(options, (k, e) => one.push([k, e]))
    for (let k = 0; k < batches; k++) batch(whole, k)
    expect(one.length).toBeGreaterThan(1)
    // Cut between batches, and inside one: after two of the three channels, with rows half joined.
    for (const [k, upTo] of [
      [0, 0],
      [3, 2],
      [20, 1],
      [32, 2],
      [33, 3],
      [36, 2],
    ] as const) {
      const events: [string, AnomalyEvent][] = []
      const a = createDeviceDetectors(options, (key, e) => events.push([key, e]))
      for (let j = 0; j < k; j++) batch(a, j)
      batch(a, k, upTo)
      const exported = a.exportDevice('pump')
      expect(a.devices).toBe(0)
      const b = createDeviceDetectors(options, (key, e) => events.push([key, e]))
      if (exported !== undefined) b.importDevice('pump', JSON.parse(JSON.stringify(exported)))
      if (k > 20) expect(b.states().learning).toBe(0)
      rest(b, k, upTo)
      for (let j = k + 1; j < batches; j++) batch(b, j)
      expect(events, `cut at batch ${k}, channel ${upTo}`).toEqual(one)
      expect(a.incomplete + b.incomplete).toBe(whole.incomplete)
    }
  })

  it('returns undefined for a device it does not hold, and refuses a state that does not fit', () => {
    const a = createDeviceDetectors(options, () => undefined)
    expect(a.exportDevice('pump')).toBeUndefined()
    for (let k = 0; k < 3; k++) batch(a, k)
    const state = JSON.parse(JSON.stringify(a.exportDevice('pump'))) as {
      device: { channels: string[] }
    }
    const b = createDeviceDetectors(options, () => undefined)
    const fewer = { ...state, device: { ...state.device, channels: ['current', 'pressure'] } }
    expect(() => {
      b.importDevice('pump', fewer)
    }).toThrow(expect.objectContaining({ code: 'SLUICE_ERR_DETECT_INVALID_STATE' }) as Error)
    expect(() => {
      b.importDevice('pump', { v: 1, device: { ...state.device, rows: [[1, 2]] } })
    }).toThrow(/join buffer/)
    expect(b.devices).toBe(0)
  })
})
