/**
 * @module detect/debounce
 * Turns per-sample detections into events, so that one level shift is one anomaly event and not one per
 * sample for as long as it lasts (DESIGN.md §8). An *episode* starts with the first alert (see
 * {@link isAlert}) and emits a `start` event. While it lasts, further alerts are suppressed unless they say
 * something new: a higher level (`escalate`) or a more persistent kind, spike → shift → drift
 * (`reclassify`). The episode ends after `holdoffSamples` consecutive non-alert samples that also span at
 * least `holdoffMs` of event time since the last alert; the next alert starts a new episode.
 *
 * Pure and time-free like the rest of `@sluice/stream`: event time is passed in with each detection.
 */

import { checkInteger, checkNumber, isAlert } from './levels.js'
import type { AnomalyKind, AnomalyLevel, Detection } from './types.js'

/** Options of {@link createDebouncer}. */
export interface DebouncerOptions {
  /** Non-alert samples in a row that end an episode. Default 20. */
  readonly holdoffSamples?: number
  /** Event time (ms) since the last alert that must also have passed to end an episode. Default 0. */
  readonly holdoffMs?: number
}

/** Why an event was emitted. */
export type DebounceReason = 'start' | 'escalate' | 'reclassify'

/** One debounced anomaly event. */
export interface DebouncedEvent {
  /** Event time of the detection that caused it. */
  readonly t: number
  readonly detection: Detection
  readonly reason: DebounceReason
  /** Episode counter, from 1; escalations and reclassifications share their episode's number. */
  readonly episode: number
}

/** Debounces the detections of one detector on one sensor. */
export interface Debouncer {
  /** Feeds one detection; returns an event when it starts, escalates or reclassifies an episode. */
  push(t: number, detection: Detection): DebouncedEvent | undefined
  /** Whether an episode is in progress. */
  readonly active: boolean
  /** Episodes started so far. */
  readonly episodes: number
  /** Alerts swallowed because an episode was already reported. */
  readonly suppressed: number
  /** Ends any episode and zeroes the counters. */
  reset(): void
}

const levelRank: Readonly<Record<AnomalyLevel, number>> = {
  normal: 0,
  unusual: 1,
  'very-unusual': 2,
}
const kindRank: Readonly<Record<AnomalyKind, number>> = { spike: 0, shift: 1, drift: 2 }

/**
 * Creates a {@link Debouncer}.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_INVALID_OPTIONS` when `holdoffSamples` is not an integer ≥ 1 or
 *   `holdoffMs` is negative.
 * @example
 * const debouncer = createDebouncer({ holdoffSamples: 50, holdoffMs: 10_000 })
 * for (const s of samples) {
 *   const event = debouncer.push(s.t, detector.update(s.t, s.value))
 *   if (event) publish(event)
 * }
 */
export function createDebouncer(options: DebouncerOptions = {}): Debouncer {
  const holdoffSamples = checkInteger('holdoffSamples', options.holdoffSamples ?? 20, 1)
  // Zero is allowed; otherwise it must be positive and finite.
  const holdoffMs = options.holdoffMs ?? 0
  if (holdoffMs !== 0) checkNumber('holdoffMs', holdoffMs, 0, Number.MAX_VALUE)

  let active = false
  let episodes = 0
  let suppressed = 0
  let quiet = 0
  let lastAlertT = 0
  let peakLevel = 0
  let peakKind = 0

  return {
    get active() {
      return active
    },
    get episodes() {
      return episodes
    },
    get suppressed() {
      return suppressed
    },
    push(t, detection) {
      if (!isAlert(detection)) {
        if (active) {
          quiet++
          if (quiet >= holdoffSamples && t - lastAlertT >= holdoffMs) active = false
        }
        return undefined
      }
      quiet = 0
      lastAlertT = t
      const level = levelRank[detection.level]
      const kind = kindRank[detection.kind]
      if (!active) {
        active = true
        episodes++
        peakLevel = level
        peakKind = kind
        return { t, detection, reason: 'start', episode: episodes }
      }
      if (level > peakLevel) {
        peakLevel = level
        peakKind = Math.max(peakKind, kind)
        return { t, detection, reason: 'escalate', episode: episodes }
      }
      if (kind > peakKind) {
        peakKind = kind
        return { t, detection, reason: 'reclassify', episode: episodes }
      }
      suppressed++
      return undefined
    },
    reset() {
      active = false
      episodes = 0
      suppressed = 0
      quiet = 0
      peakLevel = 0
      peakKind = 0
    },
  }
}
