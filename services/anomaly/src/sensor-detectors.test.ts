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
