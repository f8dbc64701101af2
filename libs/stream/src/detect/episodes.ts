/**
 * @module detect/episodes
 * A sensor (or a device) is normal or in an **episode** (DESIGN.md §8, issue 15). Per-sample detections
 * become three kinds of event, so that one level shift is one episode and not one marker per sample:
 *
 * - `start`: the first alert after a normal stretch;
 * - `update`: while it lasts, only when it says something new: a higher level, a more persistent kind
 *   (spike → shift → drift), or a channel not yet involved;
 * - `end`: after `holdoffSamples` non-alert samples in a row that also span `holdoffMs` of event time since
 *   the last alert, with the episode's duration (first to last alert), its peak and its channels.
 *
 * The tracker's state is plain data ({@link EpisodeState}), so it can be handed to another instance.
 * Pure and time-free: event time comes with each detection.
 */

import { DetectErrorCode, StreamError } from '../errors.js'
import { StateReader } from '../state/json-state.js'
import { checkInteger, isAlert } from './levels.js'
import type { AnomalyKind, AnomalyLevel, Detection } from './types.js'

/** Options of {@link createEpisodeTracker}. */
export interface EpisodeOptions {
  /** Non-alert samples in a row that end an episode. Default 20. */
  readonly holdoffSamples?: number
  /** Event time (ms) since the last alert that must also have passed to end an episode. Default 0. */
  readonly holdoffMs?: number
}

/** Which moment of an episode an event marks. */
export type EpisodePhase = 'start' | 'update' | 'end'

/** One episode event. */
export interface EpisodeEvent {
  readonly phase: EpisodePhase
  /** Episode number on this tracker, from 1. */
  readonly episode: number
  /** Event time of the sample that caused this event (for `end`, the sample that closed the episode). */
  readonly t: number
  /** Event time of the episode's first alert. */
  readonly startT: number
  /** Event time of its latest alert. */
  readonly lastT: number
  /** `lastT − startT`: how long the sensor has been (for `end`: was) anomalous, in ms. */
  readonly durationMs: number
  /** Alerting samples so far. */
  readonly alerts: number
  /** For `start`/`update` the detection that caused the event; for `end` the episode's peak detection. */
  readonly detection: Detection
  readonly peakScore: number
  readonly peakLevel: Exclude<AnomalyLevel, 'normal'>
  /** The most persistent kind seen. */
  readonly kind: AnomalyKind
  /** Channels involved so far (for a per-channel detector, its one channel). */
  readonly channels: readonly string[]
}

/** A tracker's state: plain data. */
export interface EpisodeState {
  readonly episodes: number
  readonly open: {
    readonly startT: number
    readonly lastT: number
    readonly alerts: number
    readonly quiet: number
    readonly peak: Detection
    readonly kind: AnomalyKind
    readonly channels: readonly string[]
  } | null
}

/** Tracks the episodes of one sensor or device. */
export interface EpisodeTracker {
  /** Feeds one detection (and the channels it blames); returns an event when one is due. */
  push(t: number, detection: Detection, channels?: readonly string[]): EpisodeEvent | undefined
  /** Whether an episode is open. */
  readonly active: boolean
  /** Episodes started so far. */
  readonly episodes: number
  /** The tracker's state: plain data (the peak detection's numbers may need `encodeState` for JSON). */
  snapshot(): EpisodeState
  /**
   * Restores a {@link EpisodeTracker.snapshot}, checked field by field.
   *
   * @throws StreamError `SLUICE_ERR_DETECT_INVALID_STATE` on a malformed state; the tracker is then
   *   unchanged.
   */
  restore(state: EpisodeState): void
}

const levelRank: Readonly<Record<AnomalyLevel, number>> = {
  normal: 0,
  unusual: 1,
  'very-unusual': 2,
}
const kindRank: Readonly<Record<AnomalyKind, number>> = { spike: 0, shift: 1, drift: 2 }

/**
 * Checks an {@link EpisodeState} from untrusted data (a handover, after JSON).
 *
 * @throws StreamError `SLUICE_ERR_DETECT_INVALID_STATE` naming the first field that does not fit.
 */
function readEpisodeState(state: unknown): EpisodeState {
  const r = new StateReader(DetectErrorCode.InvalidState, 'episode tracker')
  const s = r.object(state, 'state')
  const episodes = r.integer(s.episodes, 'state.episodes')
  if (s.open === null) return { episodes, open: null }
  const o = r.object(s.open, 'state.open')
  const peak = r.object(o.peak, 'state.open.peak')
  r.number(peak.score, 'state.open.peak.score')
  if (!Object.hasOwn(levelRank, r.string(peak.level, 'state.open.peak.level'))) {
    r.fail('state.open.peak.level', 'is not a level')
  }
  const kind = r.string(o.kind, 'state.open.kind')
  if (!Object.hasOwn(kindRank, kind)) r.fail('state.open.kind', 'is not a kind of anomaly')
  const channels = r.array(o.channels, 'state.open.channels')
  return {
    episodes,
    open: {
      startT: r.number(o.startT, 'state.open.startT'),
      lastT: r.number(o.lastT, 'state.open.lastT'),
      alerts: r.integer(o.alerts, 'state.open.alerts', 1),
      quiet: r.integer(o.quiet, 'state.open.quiet'),
      peak: peak as unknown as Detection,
      kind: kind as AnomalyKind,
      channels: channels.map((c, i) => r.string(c, `state.open.channels[${i}]`)),
    },
  }
}

/**
 * Creates an {@link EpisodeTracker}.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_INVALID_OPTIONS` on a bad holdoff.
 * @example
 * const episodes = createEpisodeTracker({ holdoffSamples: 20 })
 * for (const s of samples) {
 *   const e = episodes.push(s.t, detector.update(s.t, s.value), ['light'])
 *   if (e?.phase === 'end') console.log(`anomalous for ${e.durationMs} ms, peak ${e.peakScore}`)
 * }
 */
export function createEpisodeTracker(options: EpisodeOptions = {}): EpisodeTracker {
  const holdoffSamples = checkInteger('holdoffSamples', options.holdoffSamples ?? 20, 1)
  const holdoffMs = options.holdoffMs ?? 0
  if (!(Number.isFinite(holdoffMs) && holdoffMs >= 0)) {
    throw new StreamError(
      DetectErrorCode.InvalidOptions,
      `Episode option holdoffMs must be a number of milliseconds ≥ 0, got ${String(holdoffMs)}`,
    )
  }

  let episodes = 0
  let open: {
    startT: number
    lastT: number
    alerts: number
    quiet: number
    peak: Detection
    kind: AnomalyKind
    channels: string[]
  } | null = null

  const event = (phase: EpisodePhase, t: number, detection: Detection): EpisodeEvent => {
    const o = open!
    const level = o.peak.level === 'normal' ? 'unusual' : o.peak.level
    return {
      phase,
      episode: episodes,
      t,
      startT: o.startT,
      lastT: o.lastT,
      durationMs: o.lastT - o.startT,
      alerts: o.alerts,
      detection,
      peakScore: o.peak.score,
      peakLevel: level,
      kind: o.kind,
      channels: [...o.channels],
    }
  }

  return {
    get active() {
      return open !== null
    },
    get episodes() {
      return episodes
    },
    push(t, detection, channels = []) {
      if (detection.learning === true || !isAlert(detection)) {
        if (open === null) return undefined
        open.quiet++
        if (open.quiet < holdoffSamples || t - open.lastT < holdoffMs) return undefined
        const ended = event('end', t, open.peak)
        open = null
        return ended
      }
      if (open === null) {
        episodes++
        open = {
          startT: t,
          lastT: t,
          alerts: 1,
          quiet: 0,
          peak: detection,
          kind: detection.kind,
          channels: [...channels],
        }
        return event('start', t, detection)
      }
      open.quiet = 0
      open.lastT = t
      open.alerts++
      let news = false
      if (levelRank[detection.level] > levelRank[open.peak.level]) news = true
      if (detection.score > open.peak.score) open.peak = detection
      if (kindRank[detection.kind] > kindRank[open.kind]) {
        open.kind = detection.kind
        news = true
      }
      for (const c of channels) {
        if (!open.channels.includes(c)) {
          open.channels.push(c)
          news = true
        }
      }
      return news ? event('update', t, detection) : undefined
    },
    snapshot() {
      return {
        episodes,
        open: open === null ? null : { ...open, channels: [...open.channels] },
      }
    },
    restore(state) {
      const checked = readEpisodeState(state)
      episodes = checked.episodes
      open =
        checked.open === null ? null : { ...checked.open, channels: [...checked.open.channels] }
    },
  }
}
