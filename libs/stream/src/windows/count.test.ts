import { describe, expect, it } from 'vitest'
import type { Sample } from '../sample.js'
import type { WindowAggregate } from './aggregate.js'
import { createWindow } from './create-window.js'

function feed(size: number, stride: number, values: readonly number[], flush = false) {
  const out: WindowAggregate[] = []
  const w = createWindow('c', { type: 'count', size, stride })
  values.forEach((value, i) =>
    w.push({ seq: 100 + i, t: 1000 + i * 10, value, ingest: 1000 + i * 10 + (i % 3) }, (a) =>
      out.push(a),
    ),
  )
  if (flush) w.flush((a) => out.push(a))
  return { out, w }
}

describe('count windows', () => {
  it('emits once size samples have arrived, then every stride samples', () => {
    const { out } = feed(4, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(out.map((a) => [a.seqFrom, a.seqTo])).toEqual([
      [100, 103],
      [102, 105],
      [104, 107],
    ])
    expect(out[0]).toEqual({
      window: 'c',
      kind: 'hopping',
      start: 1000,
      end: 1030,
      count: 4,
      mean: 2.5,
      std: Math.sqrt(5 / 3),
      min: 1,
      max: 4,
      first: 1,
      last: 4,
      seqFrom: 100,
      seqTo: 103,
      late: 0,
      ingestMax: 1030,
    })
  })

  it('slides by one sample with stride 1', () => {
    const { out } = feed(3, 1, [5, 1, 9, 4])
    expect(out.map((a) => a.kind)).toEqual(['sliding', 'sliding'])
    expect(out.map((a) => [a.min, a.max, a.mean])).toEqual([
      [1, 9, 5],
      [1, 9, 14 / 3],
    ])
  })

  it('tumbles with stride = size and emits the partial window on flush', () => {
    const { out } = feed(3, 3, [1, 2, 3, 4, 5, 6, 7], true)
    expect(out.map((a) => [a.kind, a.count, a.mean, a.first, a.last])).toEqual([
      ['tumbling', 3, 2, 1, 3],
      ['tumbling', 3, 5, 4, 6],
      ['tumbling', 1, 7, 7, 7],
    ])
  })

  it('reports std 0 for a window of one sample and for constant samples', () => {
    expect(feed(1, 1, [3.5]).out[0]).toMatchObject({
      count: 1,
      std: 0,
      mean: 3.5,
      min: 3.5,
      max: 3.5,
    })
    const constant = feed(
      1000,
      1,
      Array.from({ length: 3000 }, () => 0.1),
    ).out
    expect(constant.every((a) => a.std === 0 && a.mean === 0.1)).toBe(true)
  })

  it('flushes the last samples of a sliding window only if some were not emitted yet', () => {
    expect(feed(5, 2, [1, 2], true).out.map((a) => a.count)).toEqual([2])
    expect(feed(3, 1, [1, 2, 3, 4], true).out.map((a) => a.count)).toEqual([3, 3])
    expect(feed(3, 2, [1, 2, 3, 4], true).out.map((a) => [a.count, a.first])).toEqual([
      [3, 1],
      [3, 2],
    ])
  })

  it('never counts late samples and ignores advance()', () => {
    const { w, out } = feed(2, 1, [1, 2])
    const late: Sample = { seq: 1, t: 0, value: 9, ingest: 0 }
    w.advance(1e12, (a) => out.push(a))
    w.push(late, (a) => out.push(a))
    expect(w.lateCount).toBe(0)
    expect(out.at(-1)).toMatchObject({ start: 1010, end: 0, last: 9, late: 0 })
  })
})
