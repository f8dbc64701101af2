import { describe, expect, it } from 'vitest'
import { createSimulator, pumpDevice } from '../sim/simulator.js'
import { chiSquareToZ, createMultivariateDetector } from './multivariate.js'

function pump(anomalies: Parameters<typeof pumpDevice>[2] = {}, seed = 1) {
  return createSimulator({ seed, startTime: 0, devices: [pumpDevice('pump', 10, anomalies)] })
}

describe('chiSquareToZ', () => {
  it('maps the median of χ²_d to about 0 and its 0.99 quantile to about 2.33', () => {
    expect(chiSquareToZ(2.366, 3)).toBeCloseTo(0, 1)
    expect(chiSquareToZ(11.345, 3)).toBeCloseTo(2.33, 1)
  })
})

describe('createMultivariateDetector', () => {
  it('stays silent on a clean correlated pump from a cold start (20 minutes, 3 seeds)', () => {
    for (const seed of [1, 2, 3]) {
      const sim = pump({}, seed)
      const d = createMultivariateDetector(3, { learnMs: 60_000 })
      let alerts = 0
      for (const l of sim.advance(20 * 60_000)) if (d.update(l.t, l.values).alert) alerts++
      expect(alerts).toBe(0)
    }
  })

  it('finds a broken relation while every channel stays in range, and names the channel', () => {
    // At seq 1650 the load is near its peak: the mirrored flow jumps across the range at once.
    const sim = pump({ flow: [{ kind: 'decouple', at: 1650, magnitude: 0, duration: 50 }] })
    const d = createMultivariateDetector(3, { learnMs: 60_000 })
    let first: { seq: number; top: readonly number[] } | undefined
    const lo = [Infinity, Infinity, Infinity]
    const hi = [-Infinity, -Infinity, -Infinity]
    for (const l of sim.advance(200_000)) {
      const r = d.update(l.t, l.values)
      l.values.forEach((v, i) => {
        if (l.seq < 1650) {
          lo[i] = Math.min(lo[i]!, v)
          hi[i] = Math.max(hi[i]!, v)
        } else if (l.seq < 1700) {
          // In range: every channel stays inside what it did before the fault.
          expect(v).toBeGreaterThan(lo[i]!)
          expect(v).toBeLessThan(hi[i]!)
        }
      })
      if (r.alert && first === undefined) first = { seq: l.seq, top: r.top }
    }
    expect(first?.seq).toBeGreaterThanOrEqual(1650)
    expect(first?.seq).toBeLessThanOrEqual(1653)
    expect(first?.top[0]).toBe(2)
  })

  it('raises nothing while learning', () => {
    const d = createMultivariateDetector(2, { learnSamples: 50 })
    for (let i = 0; i < 40; i++) d.update(i, [i % 3, (i % 3) * 2])
    const r = d.update(40, [1e6, -1e6])
    expect(r.learning).toBe(true)
    expect(r.alert).toBe(false)
  })

  it('survives constant and collinear channels (the shrinkage keeps the inverse finite)', () => {
    const d = createMultivariateDetector(3, { learnSamples: 10 })
    for (let i = 0; i < 200; i++) {
      const r = d.update(i, [5, i % 7, 2 * (i % 7)])
      expect(Number.isFinite(r.score)).toBe(true)
    }
  })

  it('hands its state over as plain data, and the copy scores as the original does', () => {
    const sim = pump()
    const lines = sim.advance(120_000)
    const a = createMultivariateDetector(3)
    for (const l of lines.slice(0, 1000)) a.update(l.t, l.values)
    const b = createMultivariateDetector(3)
    b.restore(JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<typeof a.snapshot>)
    expect(b.learning).toBe(false)
    for (const l of lines.slice(1000)) {
      expect(b.update(l.t, l.values).score).toBeCloseTo(a.update(l.t, l.values).score, 9)
    }
  })

  it('takes one step of a quantised channel that sat still as one resolution, not an alarm', () => {
    const d = createMultivariateDetector(2, { learnSamples: 50 })
    // A counter-like channel that moves in steps of 0.5, and a voltage that sits on 230.0 for long stretches.
    for (let i = 0; i < 400; i++)
      d.update(i, [Math.round(Math.sin(i / 9) * 8) / 2, i % 97 === 0 ? 230.1 : 230])
    const step = d.update(400, [Math.round(Math.sin(400 / 9) * 8) / 2, 230.1])
    expect(step.alert).toBe(false)
    const plain = createMultivariateDetector(2, { learnSamples: 50, stepFloor: false })
    for (let i = 0; i < 400; i++)
      plain.update(i, [Math.round(Math.sin(i / 9) * 8) / 2, i % 97 === 0 ? 230.1 : 230])
    expect(plain.update(400, [Math.round(Math.sin(400 / 9) * 8) / 2, 230.1]).score).toBeGreaterThan(
      step.score,
    )
  })
})
