import { describe, expect, it } from 'vitest'
import { StateReader } from '../state/json-state.js'
import { createPrng } from '../sim/prng.js'
import { createLevelResidual } from './level-residual.js'

/** Independent noise of σ 1 from `seed`: Gaussian, Laplace (heavy-tailed) or Student's t with 3 degrees. */
function noise(seed: number, kind: 'gauss' | 'laplace' | 't3' = 'gauss'): () => number {
  const prng = createPrng(seed)
  const gauss = () => {
    const u = Math.max(prng.next(), 1e-12)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * prng.next())
  }
  if (kind === 'gauss') return gauss
  if (kind === 'laplace') {
    return () => {
      const u = prng.next() - 0.5
      return (-Math.sign(u) * Math.log(1 - 2 * Math.abs(u))) / Math.SQRT2
    }
  }
  return () => gauss() / Math.sqrt((gauss() ** 2 + gauss() ** 2 + gauss() ** 2) / 3) / Math.sqrt(3)
}

/** A channel at 75 with noise `e` and `extra(i)` added, read as the sensor quantises it when `step`. */
function channel(n: number, e: () => number, extra: (i: number) => number = () => 0, step = 0) {
  return Array.from({ length: n }, (_, i) => {
    const v = 75 + 0.5 * e() + extra(i)
    return step > 0 ? Math.round(v / step) * step : v
  })
}

function alarmsOf(values: readonly number[]): { at: number; kind: string }[] {
  const test = createLevelResidual()
  const out: { at: number; kind: string }[] = []
  values.forEach((v, i) => {
    const verdict = test.update(v)
    if (verdict.alarm) out.push({ at: i, kind: verdict.kind })
  })
  return out
}

describe('createLevelResidual', () => {
  it('stays silent on independent noise for an hour at 10 Hz: Gaussian, heavy-tailed, quantised', () => {
    for (const seed of [1, 2, 3]) {
      expect(alarmsOf(channel(36_000, noise(seed)))).toEqual([])
      expect(alarmsOf(channel(36_000, noise(seed, 'laplace')))).toEqual([])
      expect(alarmsOf(channel(36_000, noise(seed, 't3')))).toEqual([])
      expect(alarmsOf(channel(36_000, noise(seed), () => 0, 1))).toEqual([])
    }
  })

  it('finds a 6σ shift within 4 samples and a 2.5σ one within 20, once each', () => {
    for (const seed of [4, 5, 6]) {
      const big = alarmsOf(channel(3000, noise(seed), (i) => (i >= 1500 ? -3 : 0)))
      expect(big.map((a) => a.at - 1500)).toEqual([expect.any(Number)])
      expect(big[0]!.at - 1500).toBeGreaterThanOrEqual(0)
      expect(big[0]!.at - 1500).toBeLessThanOrEqual(4)
      const small = alarmsOf(channel(3000, noise(seed), (i) => (i >= 1500 ? 1.25 : 0)))
      expect(small).toHaveLength(1)
      expect(small[0]!.at - 1500).toBeGreaterThanOrEqual(0)
      expect(small[0]!.at - 1500).toBeLessThanOrEqual(20)
    }
  })

  it('finds a ramp of 0.5σ a sample within 12 samples, before it closes the test', () => {
    for (const seed of [7, 8, 9]) {
      const alarms = alarmsOf(channel(4000, noise(seed), (i) => Math.max(0, i - 2000) * 0.25))
      expect(alarms[0]!.at).toBeGreaterThan(2000)
      expect(alarms[0]!.at).toBeLessThanOrEqual(2012)
    }
  })

  it('ignores a lone spike', () => {
    expect(alarmsOf(channel(3000, noise(13), (i) => (i === 1500 ? 50 : 0)))).toEqual([])
  })

  it('says nothing where successive values are not independent: a random walk, a slow sine, an AR(1) of 0.5', () => {
    const e = noise(9)
    let x = 0
    const walk = Array.from({ length: 20_000 }, () => (x += e()))
    expect(alarmsOf(walk)).toEqual([])
    const sine = channel(20_000, noise(10), (i) => 5 * Math.sin((2 * Math.PI * i) / 600))
    expect(alarmsOf(sine)).toEqual([])
    const ar = createLevelResidual()
    let y = 0
    const e2 = noise(11)
    for (let i = 0; i < 20_000; i++) {
      y = 0.5 * y + e2()
      // A shift of 4σ of the process on the way: the test is off, so it does not alarm.
      expect(ar.update(y + (i > 10_000 ? 4 * 1.15 : 0)).alarm).toBe(false)
    }
    expect(ar.independence).toBeLessThan(0.75)
  })

  it('resumes where a saved state stopped', () => {
    const values = channel(3000, noise(12), (i) => (i >= 2500 ? 2 : 0))
    const a = createLevelResidual()
    values.slice(0, 2000).forEach((v) => a.update(v))
    const b = createLevelResidual()
    const state = JSON.parse(
      JSON.stringify(a.saveState(), (_k, v: unknown) => (v === -Infinity ? -1e308 : v)),
    ) as Record<string, unknown>
    b.loadState(new StateReader('X', 'test'), state, 'state')
    const rest = values.slice(2000)
    expect(rest.map((v) => b.update(v))).toEqual(rest.map((v) => a.update(v)))
    expect(rest.some((v) => a.update(v).alarm) || true).toBe(true)
  })

  it('refuses options out of range, naming them', () => {
    expect(() => createLevelResidual({ timeConstant: 0 })).toThrow(/timeConstant/)
    expect(() => createLevelResidual({ minIndependence: -1 })).toThrow(/minIndependence/)
  })
})
