import { describe, expect, it } from 'vitest'
import { createEpisodeTracker } from './episodes.js'
import { defaultThresholds, toDetection } from './levels.js'
import type { AnomalyKind, Detection } from './types.js'

const at = (score: number, kind: AnomalyKind = 'spike'): Detection =>
  toDetection(score, defaultThresholds, kind, 0, 1, 100)

describe('createEpisodeTracker', () => {
  it('turns a 1000-sample shift into a start, one update and an end with its duration', () => {
    const tracker = createEpisodeTracker({ holdoffSamples: 20 })
    const events = []
    for (let t = 0; t < 1100; t++) {
      const e = tracker.push(t * 100, t < 1000 ? at(2.8, t < 5 ? 'spike' : 'shift') : at(0), [
        'light',
      ])
      if (e) events.push(e)
    }
    expect(events.map((e) => [e.phase, e.t])).toEqual([
      ['start', 0],
      ['update', 500],
      ['end', 101_900],
    ])
    const end = events[2]!
    expect(end.durationMs).toBe(99_900)
    expect(end.alerts).toBe(1000)
    expect(end.kind).toBe('shift')
    expect(end.channels).toEqual(['light'])
    expect(tracker.active).toBe(false)
  })

  it('reports a higher peak and a newly involved channel as updates, and keeps the peak', () => {
    const tracker = createEpisodeTracker({ holdoffSamples: 2 })
    expect(tracker.push(0, at(2.6), ['a'])?.phase).toBe('start')
    expect(tracker.push(1, at(3.5), ['a'])?.phase).toBe('update')
    expect(tracker.push(2, at(2.6), ['a'])).toBeUndefined()
    expect(tracker.push(3, at(2.6), ['b'])?.channels).toEqual(['a', 'b'])
    tracker.push(4, at(0))
    const end = tracker.push(5, at(0))
    expect(end?.phase).toBe('end')
    expect(end?.peakScore).toBe(3.5)
    expect(end?.peakLevel).toBe('very-unusual')
  })

  it('needs the holdoff in samples and in event time to end an episode', () => {
    const tracker = createEpisodeTracker({ holdoffSamples: 2, holdoffMs: 1000 })
    tracker.push(0, at(3))
    expect(tracker.push(10, at(0))).toBeUndefined()
    expect(tracker.push(20, at(0))).toBeUndefined()
    expect(tracker.push(1000, at(0))?.phase).toBe('end')
  })

  it('ignores detections made while learning', () => {
    const tracker = createEpisodeTracker()
    expect(tracker.push(0, { ...at(9), learning: true })).toBeUndefined()
    expect(tracker.episodes).toBe(0)
  })

  it('hands an open episode over as plain data', () => {
    const a = createEpisodeTracker({ holdoffSamples: 1 })
    a.push(0, at(3), ['x'])
    const b = createEpisodeTracker({ holdoffSamples: 1 })
    b.restore(JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<typeof a.snapshot>)
    expect(b.active).toBe(true)
    const end = b.push(5, at(0))
    expect(end?.phase).toBe('end')
    expect(end?.episode).toBe(1)
    expect(end?.channels).toEqual(['x'])
  })
})
