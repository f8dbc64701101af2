/**
 * @module episode-event
 * Builds the `sluice.v2.anomaly` payload (DESIGN.md §4, §8) from an episode event of `@sluice/stream`:
 * the v1 fields from the detection that caused the event (for an `end`, the episode's peak), plus the
 * scope and the episode. One place, so per-channel and device episodes read the same.
 */
import type { AnomalyEvent } from '@sluice/contract'
import type { EpisodeEvent } from '@sluice/stream'

/** The sample an event refers to. */
export interface EventSample {
  readonly seq: number
  readonly value: number
  readonly ingest: number
}

/**
 * The wire payload of one episode event.
 *
 * @example
 * const payload = toAnomalyEvent(event, 'zscore', 'channel', 'uno/light', sample)
 */
export function toAnomalyEvent(
  e: EpisodeEvent,
  detector: string,
  scope: 'channel' | 'device',
  idPrefix: string,
  sample: EventSample,
): AnomalyEvent {
  const d = e.detection
  return {
    seq: sample.seq,
    t: e.t,
    value: sample.value,
    score: d.score,
    threshold: d.threshold,
    detector,
    // An alert threshold set below `unusual` can alert on a "normal" level; report it as unusual.
    level: d.level === 'normal' ? 'unusual' : d.level,
    kind: e.kind,
    baseline: { mean: d.baseline.mean, std: d.baseline.std, n: d.baseline.n },
    ingest: sample.ingest,
    scope,
    episode: {
      id: `${idPrefix}/${e.startT}`,
      phase: e.phase,
      startT: e.startT,
      lastT: e.lastT,
      durationMs: e.durationMs,
      alerts: e.alerts,
      peakScore: e.peakScore,
      channels: [...e.channels],
    },
  }
}
