import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StateReader } from '../state/json-state.js'
import { createPrng } from '../sim/prng.js'
import { createSeasonalResidual, findPeriod, median7, peakLag } from './seasonal-residual.js'

const PERIOD = 600 // a 60 s cycle at 10 Hz

/** A lone periodic channel: 500 + 100·sin + N(0, 5), with `extra(i)` added (a shift or a drift). */
function lone(n: number, seed: number, extra: (i: number) => number = () => 0): number[] {
  const prng = createPrng(seed)
  const gauss = () => {
    const u = Math.max(prng.next(), 1e-12)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * prng.next())
  }
  return Array.from(
    { length: n },
    (_, i) => 500 + 100 * Math.sin((2 * Math.PI * i) / PERIOD) + 5 * gauss() + extra(i),
  )
}

function alarmsOf(values: number[]): { at: number; kind: string }[] {
  const residual = createSeasonalResidual()
  const out: { at: number; kind: string }[] = []
  values.forEach((v, i) => {
    const verdict = residual.update(v)
    if (verdict.alarm) out.push({ at: i, kind: verdict.kind })
  })
  return out
}

describe('median7', () => {
  const sortedMiddle = (vs: readonly number[]) => [...vs].sort((a, b) => a - b)[3]
  const median = (vs: readonly number[]) =>
    median7(vs[0]!, vs[1]!, vs[2]!, vs[3]!, vs[4]!, vs[5]!, vs[6]!)

  it('is the middle of the seven, for every input of 0s and 1s (so for any input: the 0-1 principle)', () => {
    for (let m = 0; m < 128; m++) {
      const vs = Array.from({ length: 7 }, (_, i) => (m >> i) & 1)
      expect(median(vs)).toBe(sortedMiddle(vs))
    }
  })

  it('is the middle of any seven numbers, ties included', () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
      fc.constantFrom(0, 1, 2),
    )
    fc.assert(
      fc.property(fc.array(value, { minLength: 7, maxLength: 7 }), (vs) => {
        // Numerically equal: the network may give −0 where the sort gives +0.
        expect(median(vs) === sortedMiddle(vs)).toBe(true)
      }),
    )
  })
})

describe('findPeriod', () => {
  it('finds the period of a noisy sine to within a sample, and none in noise', () => {
    expect(findPeriod(lone(1500, 1), 0.6)).toBeCloseTo(PERIOD, -0.5)
    expect(
      findPeriod(
        lone(1500, 1).map((v, i) => v - 100 * Math.sin((2 * Math.PI * i) / PERIOD)),
        0.6,
      ),
    ).toBe(0)
  })
})

/**
 * `findPeriod` as it was before the lagged products came from an FFT: every product summed directly. The
 * reference the FFT version must agree with up to rounding.
 */
function findPeriodDirect(xs: ArrayLike<number>, minCorrelation: number): number {
  const block = Math.max(1, Math.ceil(xs.length / 256))
  const count = Math.floor(xs.length / block)
  const offset = xs.length - count * block
  const maxLag = Math.floor((2 * count) / 3)
  const lags = Math.min(maxLag + 1, count - 1)
  const y = Array.from({ length: count }, (_, b) => {
    let sum = 0
    for (let i = 0; i < block; i++) sum += xs[offset + b * block + i]!
    return sum / block
  })
  const mean = y.reduce((s, v) => s + v, 0) / Math.max(1, count)
  for (let i = 0; i < count; i++) y[i]! -= mean
  const acf = [1]
  for (let lag = 1; lag <= lags; lag++) {
    let xy = 0
    let xx = 0
    let yy = 0
    for (let i = 0; i + lag < count; i++) {
      xy += y[i]! * y[i + lag]!
      xx += y[i]! ** 2
      yy += y[i + lag]! ** 2
    }
    acf[lag] = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0
  }
  // The peak is picked as findPeriod picks it: what differs is only how the autocorrelation is summed.
  return peakLag(acf, lags, maxLag, minCorrelation) * block
}

describe('findPeriod against the direct sums', () => {
  const prng = createPrng(11)
  const signals: [string, (i: number) => number][] = [
    ...[7, 50, 137, 300, 600, 1000].map((p): [string, (i: number) => number] => [
      `sine of period ${String(p)} + noise`,
      (i) => 500 + 100 * Math.sin((2 * Math.PI * i) / p) + 5 * prng.gaussian(),
    ]),
    ['noise', () => prng.gaussian()],
    [
      'random walk',
      (() => {
        let x = 0
        return () => (x += prng.gaussian())
      })(),
    ],
    ['square wave of period 400 + noise', (i) => (i % 400 < 200 ? 10 : -10) + prng.gaussian()],
  ]

  it('finds the same period, to rounding, on every signal and history length', () => {
    let periodic = 0
    for (const [name, signal] of signals)
      for (const length of [3, 4, 5, 64, 100, 255, 256, 257, 700, 1500, 2048]) {
        const xs = Float64Array.from({ length }, (_, i) => signal(i))
        const want = findPeriodDirect(xs, 0.6)
        const got = findPeriod(xs, 0.6)
        if (want > 0) periodic++
        expect(Math.abs(got - want), `${name}, ${String(length)} samples`).toBeLessThanOrEqual(
          1e-9 * want,
        )
      }
    // Most of the comparisons are between found periods, not two zeros.
    expect(periodic).toBeGreaterThan(20)
  })
})

describe('createSeasonalResidual', () => {
  it('stays silent on a clean periodic channel for 20 minutes', () => {
    for (const seed of [1, 2, 3]) expect(alarmsOf(lone(12_000, seed))).toEqual([])
  })

  it('finds a shift smaller than the cycle within 4 samples, however the cycle moves there', () => {
    for (const at of [2000, 2150, 2300, 2450]) {
      const alarms = alarmsOf(lone(4000, 4, (i) => (i >= at ? -30 : 0)))
      expect(alarms[0]?.at).toBeGreaterThanOrEqual(at)
      expect(alarms[0]!.at - at).toBeLessThanOrEqual(4)
      expect(alarms.every((a) => a.at < at + 30)).toBe(true)
    }
  })

  it('finds a drift slower than the cycle (80 over 100 samples) within 40 samples, as a drift', () => {
    const at = 2300
    const alarms = alarmsOf(lone(5000, 5, (i) => 80 * Math.min(1, Math.max(0, (i - at) / 100))))
    expect(alarms[0]!.at - at).toBeGreaterThanOrEqual(0)
    expect(alarms[0]!.at - at).toBeLessThanOrEqual(40)
    expect(alarms.some((a) => a.kind === 'drift')).toBe(true)
    expect(alarms.every((a) => a.at < at + 200)).toBe(true)
  })

  it('ignores a lone spike, and it does not come back one period later', () => {
    expect(alarmsOf(lone(4000, 6, (i) => (i === 2000 ? 300 : 0)))).toEqual([])
  })

  it('says nothing on a signal without a cycle (a random walk)', () => {
    const prng = createPrng(7)
    let x = 0
    const walk = Array.from({ length: 20_000 }, () => (x += prng.next() - 0.5))
    expect(alarmsOf(walk)).toEqual([])
  })

  it('resumes where a saved state stopped', () => {
    const values = lone(3000, 8, (i) => (i >= 2500 ? 40 : 0))
    const a = createSeasonalResidual()
    values.slice(0, 2000).forEach((v) => a.update(v))
    const b = createSeasonalResidual()
    const state = JSON.parse(
      JSON.stringify(a.saveState(), (_k, v: unknown) => (v === -Infinity ? -1e308 : v)),
    ) as Record<string, unknown>
    b.loadState(new StateReader('X', 'test'), state, 'state')
    const rest = values.slice(2000)
    expect(rest.map((v) => b.update(v))).toEqual(rest.map((v) => a.update(v)))
  })
})
