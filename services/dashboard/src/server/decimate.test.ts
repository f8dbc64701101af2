import { describe, expect, it } from 'vitest'
import { decimateMinMax } from './decimate.js'

function columns(values: number[]) {
  const idx = values.map((_, k) => k)
  return { seq: idx, t: idx.map((k) => 1000 + k), v: values, i: idx.map((k) => 2000 + k) }
}

describe('decimateMinMax', () => {
  it('returns short runs unchanged', () => {
    const c = columns([1, 2, 3])
    expect(decimateMinMax(c, 4)).toBe(c)
  })

  it('keeps at most max samples, in time order, with every column aligned', () => {
    const c = columns(Array.from({ length: 1000 }, (_, k) => Math.sin(k / 10)))
    const d = decimateMinMax(c, 64)
    expect(d.v.length).toBeLessThanOrEqual(64)
    expect(d.t).toEqual([...d.t].sort((a, b) => a - b))
    d.seq.forEach((s, k) => {
      expect(d.t[k]).toBe(1000 + s)
      expect(d.i[k]).toBe(2000 + s)
      expect(d.v[k]).toBe(c.v[s])
    })
  })

  it('keeps a one-sample spike and the overall min and max', () => {
    const values = Array.from({ length: 500 }, () => 10)
    values[123] = 99
    values[321] = -5
    const d = decimateMinMax(columns(values), 10)
    expect(d.v).toContain(99)
    expect(d.v).toContain(-5)
    expect(d.seq).toContain(123)
  })
})
