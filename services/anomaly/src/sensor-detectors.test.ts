import type { AnomalyEvent } from '@sluice/contract'
import { createSimulator, type Sample } from '@sluice/stream'
import { describe, expect, it } from 'vitest'
import { createSensorDetectors } from './sensor-detectors.js'

function simulated(
  anomalies: { kind: 'spike' | 'shift'; at: number; magnitude: number }[],
): Sample[] {
  const sim = createSimulator({
    seed: 7,
    startTime: 0,
    devices: [
      {
        id: 'uno',
        rateHz: 100,
        channels: [{ name: 'light', base: 500, amplitude: 0, noiseStd: 2, anomalies }],
      },
    ],
  })
  return sim.advance(30_000).map((l) => ({ seq: l.seq, t: l.t, value: l.values[0]!, ingest: l.t }))
}

// Alert at |z| > 4: at 2.5 a clean Gaussian stream alerts on ~1.2 % of samples, which is noise, not news.
const zscore = { name: 'zscore', thresholds: { unusual: 2, veryUnusual: 3, alert: 4 } } as const

describe('sensor detectors', () => {
  it('reports each injected spike once, at its position, with a valid event', () => {
    const spikes = [600, 1400, 2200].map((at) => ({ kind: 'spike' as const, at, magnitude: 40 }))
    const events: [string, AnomalyEvent][] = []
    const d = createSensorDetectors(zscore, {}, { holdoffSamples: 20 }, (k, e) =>
      events.push([k, e]),
    )
    d.push('uno/light', simulated(spikes))
    const starts = events.filter(([, e]) => e.episode?.phase === 'start')
    expect(starts.map(([, e]) => e.seq)).toEqual([600, 1400, 2200])
    // Each spike is one episode: a start and an end, 20 quiet samples later, lasting 0 ms.
    const ends = events.filter(([, e]) => e.episode?.phase === 'end')
    expect(ends.map(([, e]) => [e.seq, e.episode?.durationMs])).toEqual([
      [620, 0],
      [1420, 0],
      [2220, 0],
    ])
    for (const [key, e] of starts) {
      expect(key).toBe('uno/light')
      expect(e.detector).toBe('zscore')
      expect(e.kind).toBe('spike')
      expect(e.level).toBe('very-unusual')
      expect(e.score).toBeGreaterThan(e.threshold)
      expect(e.baseline.mean).toBeCloseTo(500, -1)
      expect(e.scope).toBe('channel')
      expect(e.episode?.channels).toEqual(['light'])
    }
  })

  it('names the sensors still learning, sorted and at most the limit asked', () => {
    const d = createSensorDetectors(
      zscore,
      { 'uno/temp': { ...zscore, learnSamples: 10 } },
      { holdoffSamples: 20 },
      () => undefined,
      { learnSamples: 100, learnMs: 0 },
    )
    const samples = simulated([]).slice(0, 50)
    for (const key of ['uno/temp', 'uno/light', 'duo/light']) d.push(key, samples)
    expect(d.learningKeys(10)).toEqual(['duo/light', 'uno/light'])
    expect(d.learningKeys(1)).toEqual(['duo/light'])
    expect(d.states().learning).toBe(2)
  })

  it('keeps one detector per sensor and applies per-sensor overrides', () => {
    const events: AnomalyEvent[] = []
    const d = createSensorDetectors(
      zscore,
      { 'uno/temp': { name: 'mad', thresholds: { unusual: 2, veryUnusual: 3, alert: 4 } } },
      { holdoffSamples: 20 },
      (_k, e) => events.push(e),
    )
    const samples = simulated([{ kind: 'spike', at: 700, magnitude: 40 }])
    d.push('uno/light', samples)
    d.push('uno/temp', samples)
    expect(d.sensors).toBe(2)
    const atSpike = events.filter((e) => e.seq === 700)
    expect(atSpike.map((e) => e.detector).sort()).toEqual(['mad', 'zscore'])
  })

  it('fails at start on an unknown detector name', () => {
    expect(() => createSensorDetectors({ name: 'nope' } as never, {}, {}, () => undefined)).toThrow(
      /Unknown detector "nope"/,
    )
  })
})

describe('device handover (per-sensor detectors)', () => {
  const light = simulated([
    { kind: 'spike', at: 300, magnitude: 40 },
    { kind: 'shift', at: 900, magnitude: 30 },
    { kind: 'spike', at: 1700, magnitude: -50 },
  ])
  const temp = light.map((s, i) => ({ ...s, value: 20 + ((i * 7) % 5) + (i > 1200 ? 9 : 0) }))
  const overrides = { 'uno/temp': { name: 'mad', window: 30 } } as const
  const make = (out: [string, AnomalyEvent][]) =>
    createSensorDetectors(zscore, overrides, { holdoffSamples: 20 }, (k, e) => out.push([k, e]), {
      learnSamples: 150,
      learnMs: 0,
    })
  /** Feeds both sensors of `uno`, and one of another device, in batches of 25 from `from` to `to`. */
  const feed = (d: ReturnType<typeof make>, from: number, to: number) => {
    for (let i = from; i < to; i += 25) {
      const end = Math.min(i + 25, to)
      d.push('uno/light', light.slice(i, end))
      d.push('uno/temp', temp.slice(i, end))
      d.push('duo/x', temp.slice(i, end))
    }
  }

  it('continues after export and import with the same events as one instance fed everything', () => {
    const n = light.length
    const one: [string, AnomalyEvent][] = []
    const whole = make(one)
    feed(whole, 0, n)
    const ofUno = (es: [string, AnomalyEvent][]) => es.filter(([k]) => k.startsWith('uno/'))
    expect(ofUno(one).length).toBeGreaterThan(4)
    for (const cut of [0, 100, 300, 925, 1200, 1725, n]) {
      const events: [string, AnomalyEvent][] = []
      const a = make(events)
      feed(a, 0, cut)
      const count = events.length
      const exported = a.exportDevice('uno')
      expect(events.length, 'export emits nothing').toBe(count)
      expect(a.sensors).toBe(cut === 0 ? 0 : 1)
      const b = make(events)
      if (exported !== undefined) b.importDevice('uno', JSON.parse(JSON.stringify(exported)))
      if (cut > 150) expect(b.states().learning, `cut ${cut}`).toBe(0)
      feed(b, cut, n)
      expect(ofUno(events), `cut ${cut}`).toEqual(ofUno(one))
    }
  })

  it('returns undefined for a device it does not hold, and refuses a state that does not fit', () => {
    const a = make([])
    expect(a.exportDevice('uno')).toBeUndefined()
    feed(a, 0, 200)
    const state = JSON.parse(JSON.stringify(a.exportDevice('uno'))) as {
      sensors: Record<string, { detector: object }>
    }
    const b = make([])
    feed(b, 0, 50)
    const swapped = {
      ...state,
      sensors: { light: state.sensors.temp, temp: state.sensors.light },
    }
    expect(() => {
      b.importDevice('uno', swapped)
    }).toThrow(
      expect.objectContaining({
        code: 'SLUICE_ERR_DETECT_INVALID_STATE',
        message: expect.stringContaining('uno/light') as unknown,
      }) as Error,
    )
    expect(() => {
      b.importDevice('uno', { v: 7, sensors: {} })
    }).toThrow(/version 7/)
    expect(b.sensors).toBe(3)
  })
})
