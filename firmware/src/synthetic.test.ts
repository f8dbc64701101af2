import { describe, expect, it } from 'vitest'
import {
  SYNTHETIC_CYCLE,
  syntheticAnomaly,
  syntheticBaseline,
  syntheticLight,
  syntheticTempTenths,
  syntheticValues,
} from './synthetic.js'

const cycle = Array.from({ length: SYNTHETIC_CYCLE }, (_, i) => 3 * SYNTHETIC_CYCLE + i)

describe('synthetic sensor twin', () => {
  it('keeps light inside the 10-bit ADC range and normal samples within 500 ± 210', () => {
    for (const seq of cycle) {
      const v = syntheticLight(seq)
      expect(Number.isInteger(v)).toBe(true)
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThanOrEqual(1023)
      if (syntheticAnomaly(seq, 'light') === undefined)
        expect(Math.abs(v - 500)).toBeLessThanOrEqual(210)
    }
  })

  it('puts light spikes above every normal sample, twice per cycle', () => {
    const spikes = cycle.filter((s) => syntheticAnomaly(s, 'light') === 'spike')
    expect(spikes.map((s) => s % SYNTHETIC_CYCLE)).toEqual([100, 356])
    const normalMax = Math.max(
      ...cycle.filter((s) => syntheticAnomaly(s, 'light') === undefined).map(syntheticLight),
    )
    for (const s of spikes) expect(syntheticLight(s)).toBeGreaterThan(normalMax + 200)
  })

  it('shifts light by +180 for 100 samples and then returns to the baseline', () => {
    const shifted = cycle.filter((s) => syntheticAnomaly(s, 'light') === 'shift')
    expect(shifted).toHaveLength(100)
    for (const s of shifted) expect(syntheticLight(s) - syntheticBaseline(s, 'light')).toBe(180)
    const after = cycle.find((s) => s % SYNTHETIC_CYCLE === 300)!
    expect(syntheticLight(after)).toBe(syntheticBaseline(after, 'light'))
  })

  it('drifts light upwards by 1.5 per sample over the last 112 samples of a cycle', () => {
    const drift = cycle.filter((s) => syntheticAnomaly(s, 'light') === 'drift')
    expect(drift).toHaveLength(112)
    const offsets = drift.map((s) => syntheticLight(s) - syntheticBaseline(s, 'light'))
    expect(offsets[0]).toBe(0)
    expect(offsets.at(-1)).toBe(166)
    for (let i = 1; i < offsets.length; i++)
      expect(offsets[i]!).toBeGreaterThanOrEqual(offsets[i - 1]!)
  })

  it('spikes the temperature by 6 °C once per cycle around a 21.5 °C sine', () => {
    for (const seq of cycle) {
      const t = syntheticTempTenths(seq)
      if (syntheticAnomaly(seq, 'temp') === 'spike') {
        expect(seq % SYNTHETIC_CYCLE).toBe(228)
        expect(t - syntheticBaseline(seq, 'temp')).toBe(60)
      } else {
        expect(t).toBeGreaterThanOrEqual(194)
        expect(t).toBeLessThanOrEqual(236)
      }
    }
  })

  it('repeats every cycle apart from the noise, and wraps like the 32-bit device counter', () => {
    expect(syntheticAnomaly(5 * SYNTHETIC_CYCLE + 100, 'light')).toBe('spike')
    expect(syntheticLight(2 ** 32 + 17)).toBe(syntheticLight(17))
    expect(syntheticTempTenths(2 ** 32 + 228)).toBe(syntheticTempTenths(228))
  })

  it('lists the values in line order, temperature in °C with one decimal', () => {
    expect(syntheticValues(0)).toEqual([syntheticLight(0), syntheticTempTenths(0) / 10])
    expect(syntheticValues(0, { tempChannel: false })).toEqual([syntheticLight(0)])
  })
})
