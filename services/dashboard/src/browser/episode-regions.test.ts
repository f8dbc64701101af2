import type { AnomalyEvent } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { episodeRegions, isMarked } from './episode-regions.js'

const base: AnomalyEvent = {
  seq: 1,
  t: 1000,
  value: 9,
  score: 7,
  threshold: 4,
  detector: 'zscore',
  level: 'unusual',
  kind: 'shift',
  baseline: { mean: 0, std: 1, n: 100 },
  ingest: 1000,
}
const ev = (phase: 'start' | 'update' | 'end', t: number, lastT: number, level = base.level) =>
  ({
    ...base,
    t,
    level,
    scope: 'channel',
    episode: {
      id: 'uno/light/1000',
      phase,
      startT: 1000,
      lastT,
      durationMs: lastT - 1000,
      alerts: 1,
      peakScore: 7,
      channels: ['light'],
    },
  }) as AnomalyEvent

describe('episodeRegions', () => {
  it('shades an open episode to the right edge and an ended one to its last alert', () => {
    expect(episodeRegions([ev('start', 1000, 1000)], 5000)).toMatchObject([
      { from: 1000, to: 5000, open: true },
    ])
    const ended = episodeRegions(
      [ev('start', 1000, 1000), ev('update', 1500, 1500, 'very-unusual'), ev('end', 4000, 2000)],
      9000,
    )
    expect(ended).toEqual([
      {
        id: 'uno/light/1000',
        from: 1000,
        to: 2000,
        open: false,
        level: 'very-unusual',
        scope: 'channel',
      },
    ])
  })

  it('keeps a v1 event as a point and marks only starts and v1 events', () => {
    expect(episodeRegions([base], 5000)).toMatchObject([{ from: 1000, to: 1000, open: false }])
    expect([base, ev('start', 1, 1), ev('update', 2, 2), ev('end', 3, 2)].map(isMarked)).toEqual([
      true,
      true,
      false,
      false,
    ])
  })
})
