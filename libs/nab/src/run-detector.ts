/**
 * @module nab/run-detector
 * Runs one detector configuration over a series in stream order: each point is scored by `update()`
 * *before* the detector learns it, so there is no look-ahead, and a fresh detector starts every file, as
 * NAB requires. The detector's `likelihood` is NAB's `anomaly_score`.
 */
import {
  createDetector,
  createMultivariateDetector,
  isAlert,
  type DetectorSpec,
  type MultivariateOptions,
} from '@sluice/stream'

/**
 * Event time in milliseconds of a NAB timestamp (`2014-07-01 00:00:00`, read as UTC, as the files carry
 * no zone); a number is taken as it is.
 */
export function timestampMs(timestamp: string): number {
  const iso = /^\d{4}-\d\d-\d\d \d/.test(timestamp) ? `${timestamp.replace(' ', 'T')}Z` : timestamp
  const ms = Date.parse(iso)
  if (!Number.isNaN(ms)) return ms
  const n = Number(timestamp)
  return Number.isFinite(n) ? n : Number.NaN
}

/** The anomaly scores of one run, and the time spent inside `update()`. */
export interface DetectorRun {
  readonly scores: Float64Array
  /** 1 where the detector raised an alert, as the anomaly service would (never while learning). */
  readonly alerts: Uint8Array
  /** Milliseconds spent in the detector alone (not parsing, not writing). */
  readonly detectMs: number
}

/**
 * Scores every point of a series with a fresh detector built from `spec`.
 *
 * @example
 * ```ts
 * const { scores } = runDetector({ name: 'novelty' }, file.timestamps, file.values)
 * ```
 */
export function runDetector(
  spec: DetectorSpec,
  timestamps: readonly string[],
  values: ArrayLike<number>,
): DetectorRun {
  const t = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) t[i] = timestampMs(timestamps[i] ?? String(i))
  const detector = createDetector(spec)
  const scores = new Float64Array(values.length)
  const alerts = new Uint8Array(values.length)
  const start = performance.now()
  for (let i = 0; i < values.length; i++) {
    const d = detector.update(t[i]!, values[i]!)
    if (isAlert(d) && d.learning !== true) alerts[i] = 1
    const l = d.likelihood
    // NAB wants [0, 1]; a detector that returns NaN for a point it cannot score said "not anomalous".
    scores[i] = l > 1 ? 1 : l >= 0 ? l : 0
  }
  return { scores, alerts, detectMs: performance.now() - start }
}

/** A multivariate run: scores, alerts and the channels blamed at each alert. */
export interface MultivariateRun extends DetectorRun {
  /** Per row, the blamed channel names joined by `;` (empty when not an alert). */
  readonly blamed: string[]
}

/**
 * Runs the multivariate detector over the columns of one recording (one device's channels).
 *
 * @example
 * ```ts
 * const run = runMultivariate({}, series.timestamps, series.names, series.columns)
 * ```
 */
export function runMultivariate(
  options: MultivariateOptions,
  timestamps: readonly string[],
  names: readonly string[],
  columns: readonly Float64Array[],
): MultivariateRun {
  const rows = timestamps.length
  const detector = createMultivariateDetector(columns.length, options)
  const scores = new Float64Array(rows)
  const alerts = new Uint8Array(rows)
  const blamed = new Array<string>(rows).fill('')
  const row = new Float64Array(columns.length)
  const start = performance.now()
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < columns.length; c++) row[c] = columns[c]![i]!
    const d = detector.update(timestampMs(timestamps[i] ?? String(i)), row)
    scores[i] = d.likelihood
    if (d.alert === true) {
      alerts[i] = 1
      blamed[i] = d.top.map((k) => names[k]!).join(';')
    }
  }
  return { scores, alerts, blamed, detectMs: performance.now() - start }
}
