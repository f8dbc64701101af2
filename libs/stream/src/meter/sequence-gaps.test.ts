import { describe, expect, it } from 'vitest'
import { createSequenceGapTracker, unexplainedLoss } from './sequence-gaps.js'

function run(seqs: number[], key = 'd/c') {
  const t = createSequenceGapTracker()
  for (const s of seqs) t.observe(key, s)
  return t.get(key)
}

describe('createSequenceGapTracker', () => {
  it('counts missing sequence numbers as gaps', () => {
    expect(run([1, 2, 5, 6, 10])).toMatchObject({ seen: 5, gaps: 5 })
  })

  it('takes a late sample that fills a gap back out of the gaps', () => {
    expect(run([1, 2, 5, 3, 4])).toMatchObject({ gaps: 0, reordered: 2, duplicates: 0 })
  })

  it('counts duplicates', () => {
    expect(run([1, 2, 2, 3, 1])).toMatchObject({ gaps: 0, duplicates: 2 })
  })

  it('detects a device restart when seq goes back to about 0', () => {
    expect(run([100, 101, 102, 0, 1, 2])).toMatchObject({ gaps: 0, resets: 1, duplicates: 0 })
  })

  it('keeps keys apart and sums them in totals', () => {
    const t = createSequenceGapTracker()
    t.observe('a', 1)
    t.observe('b', 1)
    t.observe('a', 3)
    t.observe('b', 4)
    expect(t.get('a').gaps).toBe(1)
    expect(t.totals()).toMatchObject({ seen: 4, gaps: 3 })
    expect(t.keys).toBe(2)
  })

  it('bounds the number of keys and keeps their totals', () => {
    const t = createSequenceGapTracker({ maxKeys: 2 })
    t.observe('a', 1)
    t.observe('a', 3)
    t.observe('b', 1)
    t.observe('c', 1)
    expect(t.keys).toBe(2)
    expect(t.totals()).toMatchObject({ seen: 4, gaps: 1 })
  })

  it('reports gaps minus counted drops as unexplained loss, never below zero', () => {
    expect(unexplainedLoss({ gaps: 12, countedDrops: 10 })).toBe(2)
    expect(unexplainedLoss({ gaps: 3, countedDrops: 10 })).toBe(0)
  })

  it('forgets a key on request: its next sample starts afresh, and the totals keep its counts', () => {
    const t = createSequenceGapTracker()
    for (const seq of [1, 2, 4]) t.observe('a/x', seq)
    t.forget('a/x')
    t.observe('a/x', 100)
    expect(t.get('a/x')).toEqual({ seen: 1, gaps: 0, duplicates: 0, reordered: 0, resets: 0 })
    expect(t.totals().gaps).toBe(1)
    expect(t.totals().seen).toBe(4)
  })
})
