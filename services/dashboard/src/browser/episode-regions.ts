/**
 * @module browser/episode-regions
 * Anomaly episodes as regions of a chart (issue 15): a `sluice.v2.anomaly` episode has a start, updates and
 * an end, all with the same `episode.id`; the chart shades from its start to its last alert, or to the
 * right edge while it is still open. A v1 event (no episode) is a point, a region of zero width. Pure, so
 * it is tested without a browser.
 */
import type { AnomalyEvent } from '@sluice/contract'

/** One shaded region. */
export interface EpisodeRegion {
  readonly id: string
  readonly from: number
  /** Last alert, or `openUntil` while the episode has not ended. */
  readonly to: number
  readonly open: boolean
  readonly level: AnomalyEvent['level']
  readonly scope: 'channel' | 'device'
}

/**
 * The regions of the given events (oldest first), latest state of each episode.
 *
 * @example
 * episodeRegions(series.anomalies, Date.now()) // [{ id, from, to, open, level, scope }]
 */
export function episodeRegions(
  events: readonly AnomalyEvent[],
  openUntil: number,
): EpisodeRegion[] {
  const byId = new Map<string, EpisodeRegion>()
  for (const ev of events) {
    const e = ev.episode
    if (e === undefined) {
      byId.set(`${ev.t}/${ev.seq}`, {
        id: `${ev.t}/${ev.seq}`,
        from: ev.t,
        to: ev.t,
        open: false,
        level: ev.level,
        scope: 'channel',
      })
      continue
    }
    const before = byId.get(e.id)
    const open = e.phase !== 'end'
    const level =
      before?.level === 'very-unusual' || ev.level === 'very-unusual' ? 'very-unusual' : 'unusual'
    byId.set(e.id, {
      id: e.id,
      from: e.startT,
      to: open ? Math.max(openUntil, e.lastT) : e.lastT,
      open,
      level,
      scope: ev.scope ?? 'channel',
    })
  }
  return [...byId.values()]
}

/** Whether an event gets a marker: an episode's start (or a v1 event), not its updates and end. */
export function isMarked(ev: AnomalyEvent): boolean {
  return ev.episode === undefined || ev.episode.phase === 'start'
}
