import { describe, expect, it } from 'vitest'
import { createPrng, seedFrom } from './prng.js'
import {
  createSimulator,
  planAnomalies,
  type SimChannelSpec,
  type SimLine,
  type SimulatorOptions,
} from './simulator.js'

const T0 = Date.UTC(2026, 0, 1)

function options(channel: Partial<SimChannelSpec> = {}, rateHz = 10): SimulatorOptions {
  return {
    startTime: T0,
    seed: 42,
    devices: [
      {
        id: 'bench',
        rateHz,
        channels: [
          { name: 'light', base: 500, amplitude: 100, periodMs: 10_000, noiseStd: 5, ...channel },
          { name: 'temp', base: 21, amplitude: 0.5, noiseStd: 0.1 },
        ],
      },
    ],
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

function std(xs: readonly number[]): number {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
}

describe('createPrng', () => {
  it('repeats the same stream for the same seed and differs for another seed', () => {
    const a = createPrng(7)
    const b = createPrng(7)
    const c = createPrng(8)
    const xa = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xa)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xa)
  })

  it('draws uniform numbers in [0, 1) and standard normal numbers', () => {
    const p = createPrng(123)
    const u = Array.from({ length: 20_000 }, () => p.next())
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...u)).toBeLessThan(1)
    expect(mean(u)).toBeCloseTo(0.5, 1)
    const g = Array.from({ length: 20_000 }, () => p.gaussian())
    expect(Math.abs(mean(g))).toBeLessThan(0.03)
    expect(std(g)).toBeGreaterThan(0.97)
    expect(std(g)).toBeLessThan(1.03)
  })

  it('derives distinct per-sensor seeds from one master seed', () => {
    expect(seedFrom(1, 'a/x')).not.toBe(seedFrom(1, 'a/y'))
    expect(seedFrom(1, 'a/x')).toBe(seedFrom(1, 'a/x'))
  })
})

describe('createSimulator', () => {
  it('produces the same lines for the same seed (deterministic)', () => {
    const a = createSimulator(options()).advance(T0 + 5000)
    const b = createSimulator(options()).advance(T0 + 5000)
    expect(a).toEqual(b)
    const c = createSimulator({ ...options(), seed: 43 }).advance(T0 + 5000)
    expect(c.map((l) => l.values)).not.toEqual(a.map((l) => l.values))
  })

  it('samples at the configured rate with consecutive sequence numbers', () => {
    const sim = createSimulator(options({}, 10))
    const lines = sim.advance(T0 + 10_000)
    expect(lines).toHaveLength(101)
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i))
    expect(lines[1]!.t - lines[0]!.t).toBeCloseTo(100, 9)
    expect(lines[0]!.values).toHaveLength(2)
    expect(sim.advance(T0 + 10_000)).toEqual([])
  })

  it('changes the sampling period from the next sample on when the rate changes', () => {
    const sim = createSimulator(options({}, 10))
    sim.advance(T0 + 1000) // seq 0..10, next due at T0+1100
    sim.setRate('bench', 100)
    expect(sim.rate('bench')).toBe(100)
    const lines = sim.advance(T0 + 1200)
    expect(lines.map((l) => Math.round(l.t - T0))).toEqual([
      1100, 1110, 1120, 1130, 1140, 1150, 1160, 1170, 1180, 1190, 1200,
    ])
    expect(() => sim.setRate('bench', 0)).toThrow(/positive/)
    expect(() => sim.setRate('nope', 5)).toThrow(/no simulated device/)
  })

  it('injects spikes, shifts and drifts exactly where planned', () => {
    const anomalies = [
      { kind: 'spike' as const, at: 100, magnitude: 80 },
      { kind: 'shift' as const, at: 200, magnitude: 30 },
      { kind: 'drift' as const, at: 300, magnitude: 40, duration: 50 },
    ]
    const clean = createSimulator(options()).advance(T0 + 60_000)
    const sim = createSimulator(options({ anomalies }))
    const dirty = sim.advance(T0 + 60_000)
    // Same seed, same noise: the difference is the injected offset alone.
    const diff = dirty.map((l, i) => l.values[0]! - clean[i]!.values[0]!)
    expect(diff[99]).toBeCloseTo(0, 9)
    expect(diff[100]).toBeCloseTo(80, 9)
    expect(diff[101]).toBeCloseTo(0, 9)
    expect(diff[199]).toBeCloseTo(0, 9)
    expect(diff[200]).toBeCloseTo(30, 9)
    expect(diff[299]).toBeCloseTo(30, 9)
    expect(diff[325]).toBeCloseTo(30 + 20, 9)
    expect(diff[350]).toBeCloseTo(30 + 40, 9)
    expect(diff[500]).toBeCloseTo(30 + 40, 9)
    // The other channel is untouched.
    expect(dirty.map((l) => l.values[1])).toEqual(clean.map((l) => l.values[1]))
    expect(sim.injected()).toEqual([
      {
        device: 'bench',
        channel: 'light',
        kind: 'spike',
        seq: 100,
        magnitude: 80,
        t: dirty[100]!.t,
      },
      {
        device: 'bench',
        channel: 'light',
        kind: 'shift',
        seq: 200,
        magnitude: 30,
        t: dirty[200]!.t,
      },
      {
        device: 'bench',
        channel: 'light',
        kind: 'drift',
        seq: 300,
        magnitude: 40,
        duration: 50,
        t: dirty[300]!.t,
      },
    ])
  })

  it('reports injected positions before they are generated, without a time', () => {
    const sim = createSimulator(options({ anomalies: [{ kind: 'spike', at: 1000, magnitude: 9 }] }))
    sim.advance(T0 + 1000)
    expect(sim.injected()).toEqual([
      { device: 'bench', channel: 'light', kind: 'spike', seq: 1000, magnitude: 9 },
    ])
  })

  it('adds Gaussian noise of the configured standard deviation', () => {
    const noisy = createSimulator(options({ noiseStd: 5 })).advance(T0 + 2_000_000)
    const quiet = createSimulator(options({ noiseStd: 0 })).advance(T0 + 2_000_000)
    const residual = noisy.map((l, i) => l.values[0]! - quiet[i]!.values[0]!)
    expect(residual.length).toBe(20_001)
    expect(Math.abs(mean(residual))).toBeLessThan(0.15)
    expect(std(residual)).toBeGreaterThan(4.85)
    expect(std(residual)).toBeLessThan(5.15)
  })

  it('follows the sine and the trend', () => {
    const lines = createSimulator(
      options({ noiseStd: 0, amplitude: 100, periodMs: 4000, trendPerSecond: 2 }),
    ).advance(T0 + 10_000)
    // t = 1 s: quarter period, sine at its peak; trend +2.
    expect(lines[10]!.values[0]).toBeCloseTo(500 + 100 + 2, 6)
    // t = 3 s: three quarters, sine at its trough; trend +6.
    expect(lines[30]!.values[0]).toBeCloseTo(500 - 100 + 6, 6)
  })

  it('clamps and rounds like an ADC when asked', () => {
    const lines = createSimulator(
      options({ base: 1000, amplitude: 100, noiseStd: 3, min: 0, max: 1023, decimals: 0 }),
    ).advance(T0 + 20_000)
    const light = lines.map((l) => l.values[0]!)
    expect(light.every((v) => Number.isInteger(v) && v >= 0 && v <= 1023)).toBe(true)
    expect(light).toContain(1023)
  })

  it('keeps one device unchanged when another is added', () => {
    const one = createSimulator(options()).advance(T0 + 3000)
    const base = options()
    const two = createSimulator({
      ...base,
      devices: [{ id: 'attic', rateHz: 50, channels: [{ name: 'light' }] }, ...base.devices],
    }).advance(T0 + 3000)
    expect(two.filter((l) => l.device === 'bench')).toEqual(one)
    expect(two.filter((l) => l.device === 'attic')).toHaveLength(151)
  })

  it('gives each device an equal share of a bounded advance, the rest on the next call', () => {
    const sim = createSimulator({
      startTime: T0,
      devices: ['a', 'b', 'c'].map((id) => ({ id, rateHz: 100, channels: [{ name: 'v' }] })),
    })
    const first = sim.advance(T0 + 10_000, undefined, 30)
    expect(['a', 'b', 'c'].map((d) => first.filter((l) => l.device === d).length)).toEqual([10, 10, 10])
    const rest = sim.advance(T0 + 10_000)
    expect(rest.filter((l) => l.device === 'c').map((l) => l.seq)).toEqual(
      Array.from({ length: 991 }, (_, i) => i + 10),
    )
  })

  it('runs many sensors at high rates and bounds the lines of one advance', () => {
    const sim = createSimulator({
      startTime: T0,
      maxLinesPerAdvance: 50_000,
      devices: Array.from({ length: 20 }, (_, i) => ({
        id: `d${i}`,
        rateHz: 5000,
        channels: [{ name: 'v' }],
      })),
    })
    let n = 0
    const emitted: SimLine[] = []
    expect(sim.advance(T0 + 999.9, (l) => (n++ < 3 ? emitted.push(l) : 0))).toEqual([])
    expect(n).toBe(50_000)
    sim.advance(T0 + 999.9, () => n++)
    expect(n).toBe(100_000)
    expect(sim.nextDue()).toBeCloseTo(T0 + 1000, 6)
    expect(emitted.map((l) => l.seq)).toEqual([0, 1, 2])
  })

  it('rejects bad configurations with clear errors', () => {
    expect(() =>
      createSimulator({
        startTime: 0,
        devices: [{ id: 'a', rateHz: -1, channels: [{ name: 'x' }] }],
      }),
    ).toThrow(/rate must be a positive/)
    expect(() =>
      createSimulator({ startTime: 0, devices: [{ id: 'a', rateHz: 1, channels: [] }] }),
    ).toThrow(/no channels/)
  })
})

describe('planAnomalies', () => {
  it('places the requested count in range, one per segment, kinds in turn, deterministically', () => {
    const plan = planAnomalies({ seed: 3, count: 6, from: 200, to: 5000, magnitude: { spike: 80 } })
    expect(plan).toHaveLength(6)
    expect(plan.map((a) => a.kind)).toEqual(['spike', 'shift', 'drift', 'spike', 'shift', 'drift'])
    expect(plan[0]!.magnitude).toBe(80)
    const segment = 800
    plan.forEach((a, i) => {
      expect(a.at).toBeGreaterThanOrEqual(200 + i * segment + segment / 4)
      expect(a.at).toBeLessThan(200 + i * segment + (3 * segment) / 4)
    })
    expect(
      planAnomalies({ seed: 3, count: 6, from: 200, to: 5000, magnitude: { spike: 80 } }),
    ).toEqual(plan)
    expect(() => planAnomalies({ seed: 1, count: 2, from: 10, to: 10 })).toThrow(/cannot place/)
  })

  it('alternates the sign of shifts and drifts when asked, so the level does not wander off', () => {
    const plan = planAnomalies({ seed: 1, count: 6, from: 0, to: 600, alternate: true })
    expect(plan.map((a) => a.magnitude)).toEqual([10, 5, 5, 10, -5, -5])
  })

  it('computes offsets incrementally with a thousand planned anomalies, equal to a recomputation', () => {
    const anomalies = planAnomalies({ seed: 2, count: 1000, from: 0, to: 100_000, alternate: true })
    const clean = createSimulator(options({ noiseStd: 0 }, 1000)).advance(T0 + 99_999)
    const dirty = createSimulator(options({ noiseStd: 0, anomalies }, 1000)).advance(T0 + 99_999)
    // Reference: the offset recomputed from scratch for a few sequence numbers.
    const offsetAt = (seq: number): number =>
      anomalies.reduce((sum, a) => {
        if (seq < a.at) return sum
        if (a.kind === 'spike') return sum + (seq === a.at ? a.magnitude : 0)
        if (a.kind === 'shift') return sum + a.magnitude
        return sum + a.magnitude * Math.min(1, (seq - a.at) / (a.duration ?? 100))
      }, 0)
    for (const seq of [0, 5000, anomalies[3]!.at, anomalies[5]!.at + 50, 73_457, 99_999]) {
      expect(dirty[seq]!.values[0]! - clean[seq]!.values[0]!).toBeCloseTo(offsetAt(seq), 6)
    }
  })
})
