import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createLingerBatches, inBatches } from './linger-batches.js'

const s = (seq: number, t = seq) => ({ seq, t, value: seq * 10, ingest: t })

describe('inBatches', () => {
  it('splits items in order into batches of at most max, none empty', () => {
    expect(inBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(inBatches([1, 2], 5)).toEqual([[1, 2]])
    expect(inBatches([1, 2], 0)).toEqual([[1], [2]])
    expect(inBatches([], 3)).toEqual([])
  })
})

describe('createLingerBatches', () => {
  it('sends every sample at once, alone, while the link is free, however fast the sensor is', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 100, maxDelayMs: 50 })
    // 1 kHz: a sample every millisecond, each finding the link free.
    for (let i = 0; i < 5; i++)
      expect(b.add('a/x', s(i, i), i, false)).toEqual({ key: 'a/x', samples: [s(i, i)] })
    expect(b.pending).toBe(0)
    expect(b.nextDeadline()).toBeUndefined()
  })

  it('lingers while the link is busy and hands the batch over when it is free again', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 100, maxDelayMs: 50 })
    expect(b.add('k', s(0), 0, true)).toBeUndefined()
    expect(b.add('k', s(1), 1, true)).toBeUndefined()
    expect(b.pending).toBe(2)
    expect(b.drain()).toEqual([{ key: 'k', samples: [s(0), s(1)] }])
    expect(b.pending).toBe(0)
    expect(b.drain()).toEqual([])
  })

  it('appends to a pending batch even when the link is free, so a sensor never reorders', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 100, maxDelayMs: 50 })
    b.add('k', s(0), 0, true)
    expect(b.add('k', s(1), 1, false)).toBeUndefined()
    expect(b.drain()).toEqual([{ key: 'k', samples: [s(0), s(1)] }])
  })

  it('sends items that arrive together in one batch when the link is free, split at N', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 3, maxDelayMs: 50 })
    expect(b.addAll('k', [s(1), s(2)], 0, false)).toEqual([{ key: 'k', samples: [s(1), s(2)] }])
    expect(
      b.addAll(
        'k',
        [1, 2, 3, 4].map((i) => s(i)),
        1,
        false,
      ),
    ).toEqual([
      { key: 'k', samples: [s(1), s(2), s(3)] },
      { key: 'k', samples: [s(4)] },
    ])
    expect(b.pending).toBe(0)
  })

  it('lets items that arrive together linger like lone ones while the link is busy or the key has some', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 3, maxDelayMs: 50 })
    expect(b.addAll('k', [s(1), s(2)], 0, true)).toEqual([])
    expect(b.nextDeadline()).toBe(50)
    // The link is free again, but the key has items pending: they go first, with these behind them.
    expect(b.addAll('k', [s(3), s(4)], 1, false)).toEqual([
      { key: 'k', samples: [s(1), s(2), s(3)] },
    ])
    expect(b.pending).toBe(1)
    expect(b.drain()).toEqual([{ key: 'k', samples: [s(4)] }])
  })

  it('flushes at N samples while the link stays busy', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 3, maxDelayMs: 50 })
    expect(b.add('k', s(1), 1, true)).toBeUndefined()
    expect(b.add('k', s(2), 2, true)).toBeUndefined()
    expect(b.add('k', s(3), 3, true)).toEqual({ key: 'k', samples: [s(1), s(2), s(3)] })
    expect(b.pending).toBe(0)
  })

  it('flushes after D ms when the link stays busy and N is not reached', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 100, maxDelayMs: 50 })
    b.add('k', s(0, 10), 10, true)
    b.add('j', s(0, 15), 15, true)
    b.add('k', s(1, 20), 20, true)
    expect(b.nextDeadline()).toBe(60)
    expect(b.due(59)).toEqual([])
    expect(b.due(60)).toEqual([{ key: 'k', samples: [s(0, 10), s(1, 20)] }])
    expect(b.nextDeadline()).toBe(65)
    expect(b.due(70)).toEqual([{ key: 'j', samples: [s(0, 15)] }])
    expect(b.nextDeadline()).toBeUndefined()
  })

  it('keeps sensors apart', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 2, maxDelayMs: 50 })
    b.add('a', s(0), 0, true)
    b.add('b', s(0), 0, true)
    expect(b.add('a', s(1), 1, true)).toEqual({ key: 'a', samples: [s(0), s(1)] })
    expect(b.drain()).toEqual([{ key: 'b', samples: [s(0)] }])
  })

  it('never batches with maxSamples 1', () => {
    const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples: 1, maxDelayMs: 50 })
    expect(b.add('k', s(0), 0, true)).toEqual({ key: 'k', samples: [s(0)] })
    expect(b.pending).toBe(0)
  })

  it('never loses or reorders a sample, whatever the link does (every sample flushed once, in order)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', 'c'),
            busy: fc.boolean(),
            dt: fc.nat(20),
            op: fc.nat(9),
          }),
          {
            maxLength: 400,
          },
        ),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 30 }),
        (steps, maxSamples, maxDelayMs) => {
          const b = createLingerBatches<ReturnType<typeof s>>({ maxSamples, maxDelayMs })
          const out = new Map<string, number[]>()
          const emit = (fs: { key: string; samples: { seq: number }[] }[]) => {
            for (const f of fs)
              out.set(f.key, [...(out.get(f.key) ?? []), ...f.samples.map((x) => x.seq)])
          }
          let now = 0
          steps.forEach((step, i) => {
            now += step.dt
            if (step.op === 0) emit(b.drain())
            emit(b.due(now))
            const f = b.add(step.key, s(i, now), now, step.busy)
            if (f) emit([f])
          })
          emit(b.drain())
          for (const key of ['a', 'b', 'c']) {
            const want = steps.flatMap((st, i) => (st.key === key ? [i] : []))
            expect(out.get(key) ?? []).toEqual(want)
          }
          expect(b.pending).toBe(0)
        },
      ),
    )
  })
})
