/**
 * The anomaly service's default configuration on simulated devices (issue 15 targets): silent on a clean
 * signal from a cold start, and every injected spike, shift and broken correlation found, with no other
 * episode. Drives the same per-sensor and per-device detectors the service runs, with the schema's
 * defaults.
 */
import type { AnomalyEvent } from '@sluice/contract'
import {
  createSimulator,
  planAnomalies,
  pumpDevice,
  type AnomalySpec,
  type SimDeviceSpec,
} from '@sluice/stream'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { AnomalyConfigSchema, DEFAULT_DETECTOR } from './config.js'
import { createDeviceDetectors } from './device-detectors.js'
import { createSensorDetectors } from './sensor-detectors.js'

const config = Value.Default(AnomalyConfigSchema, {}) as {
  debounce: { holdoffSamples: number; holdoffMs: number }
  learning: { samples: number; ms: number }
}

/** `sluice up`'s simulated devices: light 500 ± 100 (σ 5) and temp 21 ± 4.2 (σ 0.21), a 60 s sine. */
function upDevices(
  anomalies?: (d: number, c: number, scale: number) => AnomalySpec[],
): SimDeviceSpec[] {
  const channels = [
    { name: 'light', base: 500, amplitude: 100, noiseStd: 5, decimals: 0 },
    { name: 'temp', base: 21, amplitude: 4.2, noiseStd: 0.21, decimals: 2 },
  ]
  return [0, 1, 2].map((d) => ({
    id: `sim-${d}`,
    rateHz: 10,
    channels: channels.map((c, i) => ({
      ...c,
      phase: d * 0.7 + i * 1.3,
      ...(anomalies ? { anomalies: anomalies(d, i, c.base / 500) } : {}),
    })),
  }))
}

const NAMES: Record<string, string[]> = { pump: ['current', 'pressure', 'flow'] }

function run(devices: SimDeviceSpec[], seconds: number, seed: number) {
  const events: [string, AnomalyEvent][] = []
  const emit = (key: string, e: AnomalyEvent) => events.push([key, e])
  const learning = { learnSamples: config.learning.samples, learnMs: config.learning.ms }
  const sensors = createSensorDetectors(DEFAULT_DETECTOR, {}, config.debounce, emit, learning)
  const multi = createDeviceDetectors({ detector: learning, episodes: config.debounce }, emit)
  const start = Date.UTC(2026, 0, 1, 7)
  const sim = createSimulator({ seed, startTime: start, devices })
  for (const l of sim.advance(start + seconds * 1000)) {
    l.values.forEach((value, i) => {
      const key = `${l.device}/${NAMES[l.device]?.[i] ?? ['light', 'temp'][i]!}`
      const samples = [{ seq: l.seq, t: l.t, value, ingest: l.t }]
      sensors.push(key, samples)
      multi.push(key, samples)
    })
  }
  return { events, injected: sim.injected(), sensors, multi }
}

describe('the default configuration', () => {
  it('raises nothing on a clean signal from a cold start (120 s, 4 devices, 3 seeds), and reports learning first', () => {
    for (const seed of [1, 2, 3]) {
      const r = run([...upDevices(), pumpDevice('pump', 10)], 120, seed)
      expect(r.events).toEqual([])
      expect(r.sensors.states()).toEqual({ learning: 0, normal: 9, anomalous: 0 })
      expect(r.multi.devices).toBe(4)
    }
    const early = run([...upDevices(), pumpDevice('pump', 10)], 30, 1)
    expect(early.sensors.states().learning).toBe(9)
    expect(early.multi.states().learning).toBe(4)
  })

  it('stays silent on the clean signal for 20 minutes', () => {
    const r = run([...upDevices(), pumpDevice('pump', 10)], 1200, 4)
    expect(r.events).toEqual([])
  })

  it('finds every injected spike within 3 samples, every broken correlation and 9 in 10 shifts within 30, and nothing else', () => {
    const seconds = 1320
    const plan = (d: number, c: number, scale: number) =>
      planAnomalies({
        seed: 7919 + d * 131 + c,
        count: 10,
        from: 1200,
        to: 12_000,
        kinds: ['spike', 'shift'],
        magnitude: { spike: 150 * scale, shift: 120 * scale },
        alternate: true,
      })
    const pump = pumpDevice('pump', 10, {
      flow: [1650, 5200, 9100].map((at) => ({
        kind: 'decouple' as const,
        at,
        magnitude: 0,
        duration: 100,
      })),
      current: [3000, 7000].map((at) => ({ kind: 'spike' as const, at, magnitude: 2 })),
    })
    const r = run([...upDevices(plan), pump], seconds, 5)
    const starts = r.events.filter(([, e]) => e.episode?.phase === 'start')
    const matched = new Set<AnomalyEvent>()
    const missed: string[] = []
    for (const a of r.injected) {
      const within = a.kind === 'spike' ? 3 : 30
      const hit = starts.find(
        ([key, e]) =>
          key.startsWith(`${a.device}/`) &&
          (key === `${a.device}/${a.channel}` || e.scope === 'device') &&
          e.seq >= a.seq &&
          e.seq <= a.seq + within,
      )
      if (!hit) missed.push(`${a.kind} on ${a.device}/${a.channel} at ${a.seq}`)
      // Episodes of the same fault on its device count as found, not as false: a broken correlation's
      // snapping back after `duration` samples, or a channel a shift also moved the device detector on.
      for (const [key, e] of starts) {
        const to = a.seq + within + (a.duration ?? 0) + 1
        if (key.startsWith(`${a.device}/`) && e.seq >= a.seq && e.seq <= to) matched.add(e)
      }
    }
    // Every spike and broken correlation is found. A shift of 1.2 × the sine's amplitude that lands on its
    // steepest part is under 6 × the window's std and can go unseen: measured 2 of 30 here (docs/anomaly.md).
    expect(missed.filter((m) => !m.startsWith('shift'))).toEqual([])
    const shifts = r.injected.filter((a) => a.kind === 'shift').length
    expect(missed.length).toBeLessThanOrEqual(Math.floor(shifts / 10))
    const unexplained = starts.filter(([, e]) => !matched.has(e))
    expect(unexplained.map(([k, e]) => `${k}@${e.seq}`)).toEqual([])
  })
})
