/**
 * @module nab/sweeper
 * The Numenta Anomaly Benchmark's scoring rule, as pure functions over arrays. NAB labels each anomaly
 * with a window; inside a window only the *earliest* detection counts, weighted by a scaled sigmoid of
 * its position (early is worth up to `tpWeight`, late almost nothing); a window with no detection costs
 * `fnWeight`; each detection outside a window costs up to `fpWeight`, less when it falls just after a
 * window. The first `min(⌊0.15·N⌋, 750)` rows of a file are a probationary period and are never scored.
 *
 * Semantics follow `nab/sweeper.py` of numenta/NAB (commit ea702d75, the one our corpus copy comes from):
 * `calcSweepScore` (per-row weights), `calcScoreByThreshold` (descending sweep) and `scoreDataSet`
 * (a row is a detection when its anomaly score is ≥ the threshold). Our own code; no NAB source is copied.
 */

/** One scoring profile of NAB's `config/profiles.json`. */
export interface CostMatrix {
  readonly tpWeight: number
  readonly fpWeight: number
  readonly fnWeight: number
  readonly tnWeight: number
}

/** A labelled anomaly window: first and last timestamp, both inclusive, as written in the labels file. */
export type WindowLimits = readonly [start: string, end: string]

/** Row is inside the probationary period: never scored. */
export const PROBATIONARY = -2
/** Row is outside every window: a detection there is a false positive. */
export const OUTSIDE = -1

/** NAB's default probationary share of a file. */
export const PROBATION_PERCENT = 0.15

/**
 * Per-row labels of one data file, independent of the profile: which window a row belongs to and the
 * unweighted sigmoid value of a detection there.
 */
export interface RowLabels {
  /** Data file path relative to the corpus `data/` directory, e.g. `realKnownCause/nyc_taxi.csv`. */
  readonly name: string
  readonly rows: number
  /** Number of windows of this file that have at least one scorable row. */
  readonly windowCount: number
  /** Per row: window index within this file (≥ 0), {@link OUTSIDE} or {@link PROBATIONARY}. */
  readonly windowOf: Int32Array
  /** Per row: `scaledSigmoid` of the row's relative position (TP value in a window, FP value outside). */
  readonly unweighted: Float64Array
}

/**
 * NAB's scaled sigmoid: 2·σ(−5x) − 1, and −1 beyond x > 3. At x = −1 (left edge of a window) it is
 * 0.98661, at 0 (right edge) 0, at +1 (one window-width after) −0.98661.
 *
 * @example
 * ```ts
 * scaledSigmoid(-1) // 0.9866142981514303
 * ```
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1
}

/** The largest TP value, used by NAB to scale a perfect early detection to exactly `tpWeight`. */
export const MAX_TP = scaledSigmoid(-1)

/**
 * Rows of a file that are never scored: `min(⌊p·N⌋, p·5000)`, i.e. at most 750 with the default 15 %.
 */
export function probationaryLength(rows: number, percent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(percent * rows), percent * 5000)
}

/**
 * Canonical key of a timestamp so that `2014-04-10 07:15:00.000000` (labels) equals
 * `2014-04-10 07:15:00` (data), as pandas' timestamp comparison makes them in NAB.
 */
export function timestampKey(timestamp: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.0*)?$/.exec(timestamp.trim())
  if (m !== null) return `${m[1]!} ${m[2]!}`
  const ms = Date.parse(timestamp)
  return Number.isNaN(ms) ? timestamp.trim() : new Date(ms).toISOString()
}

/**
 * Labels every row of one data file. Windows whose limits are not timestamps of the file are an error in
 * NAB too (it looks them up with `list.index`).
 *
 * @throws RangeError when a window limit is not one of the file's timestamps.
 */
export function labelRows(
  name: string,
  timestamps: readonly string[],
  windows: readonly WindowLimits[],
  probationPercent = PROBATION_PERCENT,
): RowLabels {
  const rows = timestamps.length
  const index = new Map<string, number>()
  for (let i = 0; i < rows; i++) {
    const key = timestampKey(timestamps[i]!)
    if (!index.has(key)) index.set(key, i)
  }
  const windowOf = new Int32Array(rows).fill(OUTSIDE)
  const unweighted = new Float64Array(rows)
  const spans = windows
    .map(([start, end]) => {
      const left = index.get(timestampKey(start))
      const right = index.get(timestampKey(end))
      if (left === undefined || right === undefined) {
        throw new RangeError(
          `${name}: window [${start}, ${end}] does not match the file's timestamps`,
        )
      }
      return { left, right }
    })
    .sort((a, b) => a.left - b.left)

  // Inside window w of width W, row i is at position −(right − i + 1)/W (left edge −1, never 0).
  spans.forEach(({ left, right }, w) => {
    const width = right - left + 1
    for (let i = left; i <= right; i++) {
      windowOf[i] = w
      unweighted[i] = scaledSigmoid(-(right - i + 1) / width) / MAX_TP
    }
  })
  // Outside: distance past the preceding window in units of (its width − 1); −1 before any window.
  let prev: { left: number; right: number } | undefined
  let next = 0
  for (let i = 0; i < rows; i++) {
    const span = spans[next]
    if (span !== undefined && i === span.left) {
      prev = span
      next++
      i = span.right
      continue
    }
    if (prev === undefined) unweighted[i] = -1
    else unweighted[i] = scaledSigmoid(Math.abs(prev.right - i) / (prev.right - prev.left))
  }

  const probation = probationaryLength(rows, probationPercent)
  const counted = new Set<number>()
  for (let i = 0; i < rows; i++) {
    if (i < probation) windowOf[i] = PROBATIONARY
    else if (windowOf[i]! >= 0) counted.add(windowOf[i]!)
  }
  return { name, rows, windowCount: counted.size, windowOf, unweighted }
}

/** The outcome of one file or corpus at one threshold. */
export interface ThresholdScore {
  readonly threshold: number
  /** Raw NAB score: TP values + FP values − fnWeight per missed window. */
  readonly score: number
  readonly tp: number
  readonly tn: number
  readonly fp: number
  readonly fn: number
}

/**
 * Raw NAB score of one file at one threshold: a row is a detection when `scores[i] ≥ threshold`.
 *
 * @example
 * ```ts
 * const raw = scoreAtThreshold(labels, anomalyScores, profile, 0.5).score
 * ```
 */
export function scoreAtThreshold(
  labels: RowLabels,
  scores: ArrayLike<number>,
  cost: CostMatrix,
  threshold: number,
): ThresholdScore {
  if (scores.length !== labels.rows) {
    throw new RangeError(`${labels.name}: ${scores.length} anomaly scores for ${labels.rows} rows`)
  }
  const best = new Map<number, number>()
  let fpSum = 0
  let tp = 0
  let tn = 0
  let fp = 0
  let fn = 0
  for (let i = 0; i < labels.rows; i++) {
    const w = labels.windowOf[i]!
    if (w === PROBATIONARY) continue
    const hit = scores[i]! >= threshold
    if (w === OUTSIDE) {
      if (hit) {
        fp++
        fpSum += labels.unweighted[i]! * cost.fpWeight
      } else tn++
    } else if (hit) {
      tp++
      // The earliest detection has the highest value, so max() picks it.
      const value = labels.unweighted[i]! * cost.tpWeight
      const prev = best.get(w)
      if (prev === undefined || value > prev) best.set(w, value)
    } else fn++
  }
  let score = fpSum - cost.fnWeight * (labels.windowCount - best.size)
  for (const value of best.values()) score += value
  return { threshold, score, tp, tn, fp, fn }
}

/**
 * Sweeps every distinct anomaly score of a set of files (a whole corpus at once) from the highest down,
 * and returns the raw score at each threshold, starting with 1.1 (no detection), as NAB's
 * `calcScoreByThreshold` does. The threshold optimiser takes the best of these.
 */
export function sweepThresholds(
  files: readonly { readonly labels: RowLabels; readonly scores: ArrayLike<number> }[],
  cost: CostMatrix,
): ThresholdScore[] {
  let total = 0
  for (const f of files) {
    if (f.scores.length !== f.labels.rows) {
      throw new RangeError(
        `${f.labels.name}: ${f.scores.length} anomaly scores for ${f.labels.rows} rows`,
      )
    }
    for (let i = 0; i < f.labels.rows; i++) if (f.labels.windowOf[i] !== PROBATIONARY) total++
  }
  // Flatten the scorable rows: score, value if detected, and a corpus-wide window id.
  const score = new Float64Array(total)
  const value = new Float64Array(total)
  const window = new Int32Array(total)
  let n = 0
  let windowBase = 0
  let windows = 0
  for (const f of files) {
    const { windowOf, unweighted, rows } = f.labels
    let maxWindow = -1
    for (let i = 0; i < rows; i++) {
      const w = windowOf[i]!
      if (w === PROBATIONARY) continue
      score[n] = f.scores[i]!
      if (w === OUTSIDE) {
        window[n] = OUTSIDE
        value[n] = unweighted[i]! * cost.fpWeight
      } else {
        window[n] = windowBase + w
        value[n] = unweighted[i]! * cost.tpWeight
        if (w > maxWindow) maxWindow = w
      }
      n++
    }
    windows += f.labels.windowCount
    windowBase += Math.max(maxWindow + 1, 0)
  }
  const order = new Uint32Array(total)
  for (let i = 0; i < total; i++) order[i] = i
  order.sort((a, b) => score[b]! - score[a]!)

  const best = new Float64Array(windowBase).fill(Number.NEGATIVE_INFINITY)
  let fpSum = 0
  let tpSum = 0
  let detectedWindows = 0
  let tp = 0
  let fp = 0
  let tn = 0
  let fn = 0
  for (let i = 0; i < total; i++) {
    if (window[i] === OUTSIDE) tn++
    else fn++
  }
  const out: ThresholdScore[] = []
  const current = (threshold: number): ThresholdScore => ({
    threshold,
    score: tpSum + fpSum - cost.fnWeight * (windows - detectedWindows),
    tp,
    tn,
    fp,
    fn,
  })
  let threshold = 1.1
  for (let k = 0; k < total; k++) {
    const i = order[k]!
    const s = score[i]!
    if (s !== threshold) {
      out.push(current(threshold))
      threshold = s
    }
    const w = window[i]!
    if (w === OUTSIDE) {
      fp++
      tn--
      fpSum += value[i]!
    } else {
      tp++
      fn--
      const prev = best[w]!
      if (prev === Number.NEGATIVE_INFINITY) {
        detectedWindows++
        best[w] = value[i]!
        tpSum += value[i]!
      } else if (value[i]! > prev) {
        best[w] = value[i]!
        tpSum += value[i]! - prev
      }
    }
  }
  out.push(current(threshold))
  return out
}

/**
 * The threshold with the best raw score over all files together, as NAB's optimiser picks it (ties go
 * to the highest threshold).
 */
export function optimizeThreshold(
  files: readonly { readonly labels: RowLabels; readonly scores: ArrayLike<number> }[],
  cost: CostMatrix,
): ThresholdScore {
  let best: ThresholdScore | undefined
  for (const row of sweepThresholds(files, cost))
    if (best === undefined || row.score > best.score) best = row
  return best!
}

/**
 * NAB's normalisation: 0 is the null detector (no detection at all), 100 a perfect one (every window
 * detected at its left edge): `100·(raw − null)/(perfect − null)`.
 */
export function normalizeScore(raw: number, nullScore: number, perfect: number): number {
  return (100 * (raw - nullScore)) / (perfect - nullScore)
}
