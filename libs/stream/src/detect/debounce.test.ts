import { describe, expect, it } from 'vitest'
import { createDebouncer } from './debounce.js'
import { defaultThresholds, toDetection } from './levels.js'
import type { AnomalyKind, Detection } from './types.js'

const at = (score: number, kind: AnomalyKind = 'spike'): Detection =>
  toDetection(score, defaultThresholds, kind, 0, 1, 100)
const quiet = at(0)

describe('createDebouncer', () => {
  it('turns a 1000-sample level shift into one event', () => {
    const debouncer = createDebouncer({ holdoffSamples: 20 })
    const events = []
    for (let t = 0; t < 1000; t++) {
      const e = debouncer.push(t, at(2.8, t < 5 ? 'spike' : 'shift'))
      if (e) events.push(e)
    }
    expect(events.map((e) => [e.t, e.reason])).toEqual([
      [0, 'start'],
      [5, 'reclassify'],
    ])
    expect(debouncer.suppressed).toBe(998)
    expect(debouncer.episodes).toBe(1)
  })

  it('re-emits once when the level rises, not when it falls back', () => {
    const debouncer = createDebouncer()
    expect(debouncer.push(0, at(2.6))?.reason).toBe('start')
    expect(debouncer.push(1, at(3.5))?.reason).toBe('escalate')
    expect(debouncer.push(2, at(2.6))).toBeUndefined()
    expect(debouncer.push(3, at(3.5))).toBeUndefined()
  })

  it('ignores scores below the alert threshold, even at level unusual', () => {
    const debouncer = createDebouncer()
    expect(debouncer.push(0, at(2.2))).toBeUndefined()
    expect(debouncer.active).toBe(false)
  })

  it('ends an episode only after holdoffSamples quiet samples', () => {
    const debouncer = createDebouncer({ holdoffSamples: 3 })
    debouncer.push(0, at(4))
    debouncer.push(1, quiet)
    debouncer.push(2, quiet)
    expect(debouncer.push(3, at(4))).toBeUndefined()
    for (let t = 4; t < 7; t++) debouncer.push(t, quiet)
    expect(debouncer.active).toBe(false)
    const e = debouncer.push(7, at(4))
    expect(e?.reason).toBe('start')
    expect(e?.episode).toBe(2)
  })

  it('also waits holdoffMs of event time after the last alert', () => {
    const debouncer = createDebouncer({ holdoffSamples: 1, holdoffMs: 1000 })
    debouncer.push(0, at(4))
    debouncer.push(10, quiet)
    debouncer.push(500, quiet)
    expect(debouncer.active).toBe(true)
    debouncer.push(1000, quiet)
    expect(debouncer.active).toBe(false)
  })

  it('rejects a hold-off of 0 samples or a negative time', () => {
    expect(() => createDebouncer({ holdoffSamples: 0 })).toThrow(/holdoffSamples/)
    expect(() => createDebouncer({ holdoffMs: -1 })).toThrow(/holdoffMs/)
  })

  it('forgets the episode and counters on reset', () => {
    const debouncer = createDebouncer()
    debouncer.push(0, at(4))
    debouncer.reset()
    expect(debouncer.active).toBe(false)
    expect(debouncer.push(1, at(4))?.episode).toBe(1)
  })
})
