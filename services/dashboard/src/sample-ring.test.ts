import { describe, expect, it } from 'vitest'
import { SampleRing } from './sample-ring.js'

describe('SampleRing', () => {
  it('overwrites the oldest sample when full and keeps time order', () => {
    const r = new SampleRing(3)
    for (let k = 1; k <= 5; k++) r.push(k, k * 100, k * 10, k * 100 + 1)
    expect(r.length).toBe(3)
    const x = new Float64Array(3)
    const y = new Float64Array(3)
    expect(r.copySince(-Infinity, x, y)).toBe(3)
    expect([...x]).toEqual([300, 400, 500])
    expect([...y]).toEqual([30, 40, 50])
  })

  it('ignores samples not newer than the newest (a replayed snapshot)', () => {
    const r = new SampleRing(8)
    expect(r.push(1, 100, 1, 100)).toBe(true)
    expect(r.push(1, 100, 1, 100)).toBe(false)
    expect(r.push(0, 50, 1, 50)).toBe(false)
    expect(r.length).toBe(1)
  })

  it('copies only the samples inside the time span', () => {
    const r = new SampleRing(100)
    for (let k = 0; k < 100; k++) r.push(k, k * 10, k, k * 10)
    const x = new Float64Array(100)
    const y = new Float64Array(100)
    const n = r.copySince(900, x, y)
    expect(n).toBe(10)
    expect(x[0]).toBe(900)
  })

  it('measures the device rate from sequence numbers, even when samples were decimated away', () => {
    const r = new SampleRing(100)
    // 50 Hz device, but only every fifth sample reached the page.
    for (let seq = 0; seq <= 500; seq += 5) r.push(seq, seq * 20, 0, 0)
    expect(r.rate(5000)).toBeCloseTo(50, 6)
    expect(new SampleRing(4).rate(5000)).toBe(0)
  })

  it('gives its samples as snapshot columns, oldest first, and keeps nothing at capacity 0', () => {
    const r = new SampleRing(2)
    for (let k = 1; k <= 3; k++) r.push(k, k * 100, k * 10, k * 100 + 1)
    expect(r.columns()).toEqual({ seq: [2, 3], t: [200, 300], v: [20, 30], i: [201, 301] })
    const none = new SampleRing(0)
    expect(none.push(1, 100, 1, 100)).toBe(false)
    expect(none.length).toBe(0)
    expect(none.columns()).toEqual({ seq: [], t: [], v: [], i: [] })
  })
})
