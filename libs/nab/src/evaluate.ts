/**
 * @module nab/evaluate
 * Honest figures next to NAB's scores (issue 15):
 *
 * - **Cross-validation.** NAB optimises one threshold on the whole corpus and scores the same corpus with
 *   it. Here the files are split in two halves (alternate files of each category, in name order), the
 *   threshold is tuned on one half and scored on the other, both ways, and the two held-out raw scores are
 *   added and normalised as the whole corpus is: a score no threshold was tuned on.
 * - **False alarms as an operator sees them.** Each detector's own alerts (what the anomaly service
 *   raises, silent while learning), grouped into episodes as the service does (an episode ends after
 *   `holdoffSamples` quiet rows). An episode that starts outside every labelled window is a false alarm,
 *   counted per 1 000 normal rows (rows outside the windows, the probationary rows included: NAB does not
 *   score them, but an operator sees them); event precision is the share of episodes that start inside a
 *   window, and the windows found are those with an episode start inside.
 */
import type { Profiles } from './corpus.js'
import {
  labelRows,
  normalizeScore,
  optimizeThreshold,
  scoreAtThreshold,
  type RowLabels,
  type WindowLimits,
} from './sweeper.js'

/** A cross-validated score on one profile. */
export interface CrossValidated {
  readonly profile: string
  readonly normalized: number
  /** The thresholds tuned on each half (applied to the other). */
  readonly thresholds: readonly [number, number]
}

/** Which half each file is in: alternate files of each category, in name order. */
export function splitHalves(names: readonly string[]): boolean[] {
  const order = names.map((name, i) => ({ name, i })).sort((a, b) => a.name.localeCompare(b.name))
  const half = new Array<boolean>(names.length).fill(false)
  const seen = new Map<string, number>()
  for (const { name, i } of order) {
    const category = name.split('/')[0] ?? ''
    const k = seen.get(category) ?? 0
    half[i] = k % 2 === 1
    seen.set(category, k + 1)
  }
  return half
}

/**
 * Two-fold cross-validated NAB score of one detector on every profile.
 *
 * @example
 * ```ts
 * const cv = crossValidate(corpus.profiles, labels, scores, corpus.windowCount)
 * ```
 */
export function crossValidate(
  profiles: Profiles,
  labels: readonly RowLabels[],
  scores: readonly ArrayLike<number>[],
  windowCount: number,
): CrossValidated[] {
  const half = splitHalves(labels.map((l) => l.name))
  const files = labels.map((l, i) => ({ labels: l, scores: scores[i]! }))
  const a = files.filter((_, i) => !half[i])
  const b = files.filter((_, i) => half[i])
  const counted = labels.reduce((sum, l) => sum + l.windowCount, 0)
  return Object.entries(profiles).map(([profile, cost]) => {
    const ta = optimizeThreshold(a, cost).threshold
    const tb = optimizeThreshold(b, cost).threshold
    let raw = 0
    for (const f of b) raw += scoreAtThreshold(f.labels, f.scores, cost, ta).score
    for (const f of a) raw += scoreAtThreshold(f.labels, f.scores, cost, tb).score
    return {
      profile,
      normalized: normalizeScore(raw, -cost.fnWeight * counted, windowCount * cost.tpWeight),
      thresholds: [ta, tb] as const,
    }
  })
}

/** Episode-level figures of one detector's own alerts. */
export interface AlarmFigures {
  readonly episodes: number
  readonly falseAlarms: number
  /** Rows outside every labelled window. */
  readonly normalRows: number
  readonly falseAlarmsPer1000: number
  /** Episodes starting inside a window / all episodes (NaN with no episode). */
  readonly precision: number
  readonly windowsFound: number
  readonly windows: number
}

/** One file's alerts with its labels. */
export interface AlarmFile {
  readonly name: string
  readonly timestamps: readonly string[]
  readonly windows: readonly WindowLimits[]
  /** 1 where the detector raised an alert (not while learning). */
  readonly alerts: Uint8Array
}

/**
 * Counts episodes, false alarms and windows found over a corpus.
 *
 * @example
 * ```ts
 * const f = alarmFigures(files, 20) // f.falseAlarmsPer1000, f.precision
 * ```
 */
export function alarmFigures(files: readonly AlarmFile[], holdoffSamples = 20): AlarmFigures {
  let episodes = 0
  let falseAlarms = 0
  let normalRows = 0
  let windowsFound = 0
  let windows = 0
  for (const f of files) {
    const { windowOf } = labelRows(f.name, f.timestamps, f.windows, 0)
    const found = new Set<number>()
    let quiet = Number.POSITIVE_INFINITY
    for (let i = 0; i < f.alerts.length; i++) {
      const w = windowOf[i]!
      if (w < 0) normalRows++
      if (f.alerts[i] !== 1) {
        quiet++
        continue
      }
      if (quiet >= holdoffSamples) {
        episodes++
        if (w < 0) falseAlarms++
        else found.add(w)
      }
      quiet = 0
    }
    windowsFound += found.size
    windows += f.windows.length
  }
  return {
    episodes,
    falseAlarms,
    normalRows,
    falseAlarmsPer1000: normalRows === 0 ? 0 : (1000 * falseAlarms) / normalRows,
    precision: episodes === 0 ? Number.NaN : (episodes - falseAlarms) / episodes,
    windowsFound,
    windows,
  }
}
