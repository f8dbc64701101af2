import { describe, expect, it } from 'vitest'
import { createBatcher } from './batcher.js'

const s = (seq: number, t = seq) => ({ seq, t, value: seq * 10, ingest: t })

describe('createBatcher', () => {
  it('sends a lone sample at once when its sensor was idle', () => {
    const b = createBatcher({ maxSamples: 100, maxDelayMs: 50 })
    expect(b.add('a/x', s(1, 0), 0)).toEqual({ key: 'a/x', samples: [s(1, 0)] })
    // 10 Hz: every sample finds the sensor idle for 100 ms > 50 ms.
    expect(b.add('a/x', s(2, 100), 100)).toEqual({ key: 'a/x', samples: [s(2, 100)] })
    expect(b.pending).toBe(0)
    expect(b.nextDeadline()).toBeUndefined()
  })

  it('flushes at N samples when samples come fast', () => {
    const b = createBatcher({ maxSamples: 3, maxDelayMs: 50 })
    expect(b.add('k', s(0), 0)?.samples).toHaveLength(1)
    expect(b.add('k', s(1), 1)).toBeUndefined()
    expect(b.add('k', s(2), 2)).toBeUndefined()
    expect(b.pending).toBe(2)
    expect(b.add('k', s(3), 3)).toEqual({ key: 'k', samples: [s(1), s(2), s(3)] })
    expect(b.pending).toBe(0)
  })

  it('flushes after D ms when N is not reached', () => {
    const b = createBatcher({ maxSamples: 100, maxDelayMs: 50 })
    b.add('k', s(0, 0), 0)
    b.add('k', s(1, 10), 10)
    b.add('k', s(2, 20), 20)
    expect(b.nextDeadline()).toBe(60)
    expect(b.due(59)).toEqual([])
    expect(b.due(60)).toEqual([{ key: 'k', samples: [s(1, 10), s(2, 20)] }])
    expect(b.nextDeadline()).toBeUndefined()
  })

  it('keeps sensors apart', () => {
    const b = createBatcher({ maxSamples: 2, maxDelayMs: 50 })
    b.add('a', s(0), 0)
    b.add('b', s(0), 0)
    expect(b.add('a', s(1), 1)).toBeUndefined()
    expect(b.add('b', s(1), 1)).toBeUndefined()
    expect(b.add('a', s(2), 2)).toEqual({ key: 'a', samples: [s(1), s(2)] })
    expect(b.drain()).toEqual([{ key: 'b', samples: [s(1)] }])
  })

  it('never loses or reorders a sample (every sample flushed exactly once, in order)', () => {
    const b = createBatcher({ maxSamples: 7, maxDelayMs: 5 })
    const out: number[] = []
    let now = 0
    for (let i = 0; i < 1000; i++) {
      now += (i * 7919) % 13 === 0 ? 9 : 0.5
      for (const f of b.due(now)) out.push(...f.samples.map((x) => x.seq))
      const f = b.add('k', s(i, now), now)
      if (f) out.push(...f.samples.map((x) => x.seq))
    }
    for (const f of b.drain()) out.push(...f.samples.map((x) => x.seq))
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  })
})
