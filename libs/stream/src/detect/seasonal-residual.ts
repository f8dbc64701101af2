/**
 * @module detect/seasonal-residual
 * Level shifts and drifts on a periodic signal, seen on the residual after the learned periodic component
 * is removed (issue 15). A rolling z-score compares a value with the last few seconds, so a shift smaller
 * than what the cycle itself moves in that time, or a ramp slower than the cycle's own slope, looks like the
 * cycle. Here the prediction for a value is the same phase of the previous cycle (a seasonal-naive model,
 * Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", §5.2) plus a level, and a two-sided
 * CUSUM (Page 1954; Montgomery, "Introduction to Statistical Quality Control", §9.1) watches the residual.
 *
 * - The period is found, not configured: the autocorrelation of the recent history (at most 256 block means)
 *   must fall below 0 and then peak at ≥ `minCorrelation` (0.6); a new period is then checked on the data
 *   for one more period before the test may speak (a random walk can look periodic once).
 * - It speaks only while the cycle explains the signal: 1 − (residual σ / σ of the difference half a period
 *   apart)² ≥ `minExplained` (0.8). On noise, a random walk or bursts (most slow metrics) it says nothing:
 *   a flat baseline would turn every new operating level of a machine into an alarm, and the local z-score
 *   already covers sudden steps.
 * - The prediction is the median of the previous cycle over ±3 samples around the phase, and the stored
 *   cycle moves towards the data by at most k/2 residual σ per sample and cycle, so an anomaly (a spike, a
 *   shift before it is re-based, a broken relation) is not learned as next cycle's pattern and does not
 *   come back one period later as a false alarm.
 * - The CUSUM (`detect/residual-cusum`, shared with the level test) clips residuals to ±`clip` σ, so a lone
 *   spike (the z-score's job) never alarms here; a shift of ≥ `clip` σ alarms after ⌈h / (clip − k)⌉
 *   samples (4 with the defaults), a ramp of slope g σ per sample after about √(2h/g) samples; an alarm
 *   re-bases the level.
 *
 * Memory: `history` numbers (the longest period it can find is 2/3 of it). Cost: O(1) per sample plus an
 * autocorrelation of ≤ 256 points every `history`/8 samples, from their power spectrum by FFT
 * (Wiener–Khinchin, `detect/autocorrelation`): O(n log n) rather than the O(n·lags) of the direct sums,
 * which halves the time of a search of 2048 samples (35 → 17 µs on Node 20, in a scratch timing loop
 * that was not kept).
 */
import { laggedProducts } from './autocorrelation.js'
import { checkInteger, checkNumber } from './levels.js'
import {
  SILENT,
  cusumParams,
  cusumStep,
  freshCusum,
  learnScale,
  loadNumbers,
  quietStep,
  settleStep,
  type CusumOptions,
  type ResidualTest,
  type ResidualVerdict,
} from './residual-cusum.js'

/** Options of {@link createSeasonalResidual}. */
export interface SeasonalResidualOptions extends CusumOptions {
  /** Samples of history kept; the longest period found is 2/3 of it. Default 2048. */
  readonly history?: number
  /** Autocorrelation at the period needed to call the signal periodic. Default 0.6. */
  readonly minCorrelation?: number
  /**
   * Share of the signal's variance the cycle must explain (1 − residual σ² / variance over `history`) for
   * the test to speak. Default 0.8.
   */
  readonly minExplained?: number
}

/** The residual test of one sensor; see the module note. */
export interface SeasonalResidual extends ResidualTest {
  /** The period in samples (fractional), or 0 when none was found (the test is off). */
  readonly period: number
  /** The share of the signal's variance the cycle explains (the test speaks from `minExplained`). */
  readonly explained: number
}

const SMOOTH = 3 // the prediction is the median of the previous cycle over ±3 samples around the phase
const BLOCKS = 256 // the autocorrelation runs on at most this many block means
/**
 * The history being searched for a period, oldest first: one buffer for every sensor (a search runs to its
 * end before another starts), so a search allocates nothing and a sensor keeps no second copy.
 */
let ordered = new Float64Array(0)

/**
 * The scratch arrays of {@link findPeriod}, shared as `ordered` is and grown as needed: a typed array's
 * allocation costs microseconds (its backing store is outside the heap), and a search made three.
 */
let scratch = { y: new Float64Array(0), squares: new Float64Array(1), acf: new Float64Array(1) }

/** Scratch arrays of at least these lengths. */
function scratchFor(count: number, lags: number) {
  if (scratch.y.length < count || scratch.acf.length < lags + 1)
    scratch = {
      y: new Float64Array(count),
      squares: new Float64Array(count + 1),
      acf: new Float64Array(lags + 1),
    }
  return scratch
}

/** The block means of `xs` (the oldest `offset` values left out), less their mean, into `y`. */
function centredBlockMeans(
  xs: ArrayLike<number>,
  y: Float64Array,
  count: number,
  block: number,
  offset: number,
): void {
  let total = 0
  for (let b = 0; b < count; b++) {
    let sum = 0
    for (let i = 0; i < block; i++) sum += xs[offset + b * block + i]!
    y[b] = sum / block
    total += y[b]!
  }
  const mean = total / Math.max(1, count)
  for (let i = 0; i < count; i++) y[i]! -= mean
}

/**
 * The period of `xs` (oldest first) in samples, or 0: the autocorrelation's highest peak after its first
 * dip below 0, if it is at least `minCorrelation`, refined by a parabola through the peak. The lagged
 * products come all at once from the power spectrum (`laggedProducts`, Wiener–Khinchin), and each lag is
 * normalised by the sums of squares of the two parts it pairs.
 */
export function findPeriod(xs: ArrayLike<number>, minCorrelation: number): number {
  const block = Math.max(1, Math.ceil(xs.length / BLOCKS))
  const count = Math.floor(xs.length / block)
  const maxLag = Math.floor((2 * count) / 3)
  const lags = Math.min(maxLag + 1, count - 1)
  const { y, squares, acf } = scratchFor(count, lags)
  centredBlockMeans(xs, y, count, block, xs.length - count * block)
  // squares[k]: the sum of the first k squares; the lag loop then only multiplies the two ends.
  squares[0] = 0
  for (let i = 0; i < count; i++) squares[i + 1] = squares[i]! + y[i]! ** 2
  // All the lagged products at once (by FFT unless there are few points), into `acf`, each then
  // replaced by its normalised value.
  laggedProducts(y, count, lags, acf)
  acf[0] = 1
  for (let lag = 1; lag <= lags; lag++) {
    const xx = squares[count - lag]!
    const yy = squares[count]! - squares[lag]!
    acf[lag] = xx > 0 && yy > 0 ? acf[lag]! / Math.sqrt(xx * yy) : 0
  }
  return peakLag(acf, lags, maxLag, minCorrelation) * block
}

/**
 * The lag of the autocorrelation's highest peak after its first dip below 0 (`acf[0…lags]`, peaks before
 * `maxLag`), refined by a parabola through the peak; 0 if there is none, or it is below `minCorrelation`.
 */
export function peakLag(
  acf: ArrayLike<number>,
  lags: number,
  maxLag: number,
  minCorrelation: number,
): number {
  let dip = -1
  for (let lag = 1; lag <= lags && dip < 0; lag++) if (acf[lag]! < 0) dip = lag
  if (dip < 0) return 0
  let best = -1
  for (let lag = dip + 1; lag < maxLag && lag + 1 <= lags; lag++) {
    const a = acf[lag]!
    if (a >= acf[lag - 1]! && a > acf[lag + 1]! && (best < 0 || a > acf[best]!)) best = lag
  }
  if (best < 0 || acf[best]! < minCorrelation) return 0
  const a = acf[best - 1]!
  const b = acf[best]!
  const c = acf[best + 1]!
  const curve = a - 2 * b + c
  const delta = curve < 0 ? (0.5 * (a - c)) / curve : 0
  return best + delta
}

/**
 * The median of seven numbers, without a branch: a 16-comparator sorting network for 7 inputs
 * (`[0,6] [2,3] [4,5] [0,2] [1,4] [3,6] [0,1] [2,5] [3,4] [1,2] [4,6] [2,3] [4,5] [1,2] [3,4] [5,6]`, each
 * putting the smaller value first), cut to the 22 minima and maxima the middle output depends on. The
 * insertion sort it replaced branched on the data, which a noisy signal makes unpredictable (issue 16).
 */
export function median7(
  v0: number,
  v1: number,
  v2: number,
  v3: number,
  v4: number,
  v5: number,
  v6: number,
): number {
  const { min, max } = Math
  const a0 = min(v0, v6)
  const a6 = max(v0, v6)
  const a2 = min(v2, v3)
  const a3 = max(v2, v3)
  const a4 = min(v4, v5)
  const a5 = max(v4, v5)
  const b0 = min(a0, a2)
  const b2 = max(a0, a2)
  const b1 = min(v1, a4)
  const b4 = max(v1, a4)
  const b3 = min(a3, a6)
  const b6 = max(a3, a6)
  const c1 = max(b0, b1)
  const c2 = min(b2, a5)
  const c5 = max(b2, a5)
  const c3 = min(b3, b4)
  const c4 = max(b3, b4)
  const d2 = max(c1, c2)
  const d4 = min(c4, b6)
  const e3 = max(d2, c3)
  const e4 = min(d4, c5)
  return min(e3, e4)
}

/** A sensor's state before its first sample. */
function freshState() {
  return freshCusum({
    period: 0,
    last: Number.NaN,
    step: Infinity,
    spread: 0,
    verify: 0,
    verifyAbs: 0,
    verifyHalf: 0,
  })
}

// The CUSUM's state (level: added to the stored cycle), plus step: resolution; spread: σ of the difference
// half a period apart; verify: samples left of the check of a new period.
type ResidualState = ReturnType<typeof freshState>

/** One sample of the period-long check of a new cycle; at its end the two spreads are set. */
function verifyStep(s: ResidualState, residual: number, apart: number): void {
  s.verifyAbs += residual
  s.verifyHalf += apart
  if (--s.verify > 0) return
  const count = Math.ceil(s.period)
  s.scale = s.verifyAbs / count
  s.spread = s.verifyHalf / count
}

/** The checked options of {@link createSeasonalResidual}, with their defaults. */
function seasonalOptions(options: SeasonalResidualOptions) {
  const size = checkInteger('history', options.history ?? 2048, 64)
  return {
    size,
    minCorrelation: checkNumber('minCorrelation', options.minCorrelation ?? 0.6, 0, 1),
    minExplained: checkNumber('minExplained', options.minExplained ?? 0.8, 0, 1),
    params: cusumParams(options),
    every: Math.max(32, Math.floor(size / 8)),
  }
}

/**
 * Creates the residual test of one sensor.
 *
 * @example
 * const residual = createSeasonalResidual()
 * const v = residual.update(512) // { alarm: false, ratio: 0, kind: 'shift' } until a period is found
 */
export function createSeasonalResidual(options: SeasonalResidualOptions = {}): SeasonalResidual {
  const { size, minCorrelation, minExplained, params, every } = seasonalOptions(options)
  const { k, clip } = params
  const hist = new Float64Array(size)
  let s = freshState()

  /**
   * The stored value `lag` samples before the one about to be stored (fractional lags interpolate). Asked
   * only once `usable()`: more samples were stored than any lag asked for, so the index is never negative.
   */
  const back = (lag: number): number => {
    const lo = Math.floor(lag)
    const w = lag - lo
    const i = (s.n - lo) % size
    if (w === 0) return hist[i]!
    return (1 - w) * hist[i]! + w * hist[i === 0 ? size - 1 : i - 1]!
  }
  const around = new Float64Array(2 * SMOOTH + 1)
  /**
   * The previous cycle at this phase: the median of ±SMOOTH samples, so one stored spike is not echoed.
   * The 7 lags share their fraction, and each interpolates between two neighbours, so 8 stored values are
   * read, walking back from the shortest lag (what `back` gives for each, without its index arithmetic).
   */
  const predict = (): number => {
    const lag = s.period - SMOOTH
    const lo = Math.floor(lag)
    const w = lag - lo
    let i = (s.n - lo) % size
    let cur = hist[i]!
    for (let j = 0; j <= 2 * SMOOTH; j++) {
      i = i === 0 ? size - 1 : i - 1
      const older = hist[i]!
      around[j] = w === 0 ? cur : (1 - w) * cur + w * older
      cur = older
    }
    const a = around
    return median7(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!)
  }
  const usable = () => s.period > 0 && s.n > s.period + SMOOTH + 1
  /**
   * How much better the cycle predicts than a wrong phase: 1 − (residual σ / σ of the difference half a
   * period apart)². Near 1 for a clear cycle; ≤ 0 for a random walk or noise, whose differences only grow
   * with the lag, and for a cycle buried in bursts.
   */
  const explained = () => (s.spread > 0 ? 1 - (s.scale / s.spread) ** 2 : 0)

  /** Re-estimates the period; a newly found one is checked on the data for a period first. */
  function refreshPeriod(): void {
    const len = Math.min(s.n, size)
    // The history oldest first, in the shared buffer: the ring's two parts, each copied in one go.
    if (ordered.length < len) ordered = new Float64Array(len)
    const start = (s.n - len) % size
    const head = Math.min(len, size - start)
    ordered.set(hist.subarray(start, start + head))
    ordered.set(hist.subarray(0, len - head), head)
    const found = findPeriod(ordered.subarray(0, len), minCorrelation)
    const p = found > 0 && found + SMOOTH + 2 < size ? found : 0
    if (p > 0 && s.period === 0) {
      // A new cycle is first checked on the data for one period: the residual σ and the spread half a
      // period apart are measured afresh before the test may speak (a random walk can look periodic once).
      s.verify = Math.ceil(p)
      s.verifyAbs = s.verifyHalf = 0
      s.up = s.down = 0
    }
    s.period = p
  }

  function store(z: number, value: number): void {
    hist[s.n % size] = z
    s.n++
    const move = Math.abs(value - s.last)
    if (move > 0 && move < s.step) s.step = move
    s.last = value
    if (s.n >= 64 && s.n % every === 0) refreshPeriod()
  }

  return {
    get period() {
      return s.period
    },
    get explained() {
      return explained()
    },
    update(value) {
      if (!Number.isFinite(value)) return SILENT
      if (!usable()) {
        store(value - s.level, value)
        return SILENT
      }
      const expected = predict()
      const r = value - s.level - expected
      const sigma = Math.max(s.scale, s.step / 2, 1e-9 * Math.max(1, Math.abs(value)))
      // The stored cycle moves towards the data by at most k/2 σ, so an anomaly does not become next
      // cycle's pattern: its echo one period later stays below the CUSUM's allowance.
      const most = 0.5 * k * sigma
      const learned = expected + Math.max(-most, Math.min(most, r))
      if (s.settle > 0) {
        settleStep(s, r, sigma)
        store(expected, value)
        return SILENT
      }
      const apart = Math.abs(value - s.level - back(s.period / 2)) * 1.2533
      let verdict: ResidualVerdict = SILENT
      if (s.verify > 0) verifyStep(s, Math.abs(r) * 1.2533, apart)
      else {
        if (apart < clip * s.spread) s.spread += 0.005 * (apart - s.spread)
        verdict = explained() >= minExplained ? cusumStep(s, r, sigma, params) : quietStep(s)
        if (!verdict.alarm) learnScale(s, r, sigma, clip)
      }
      // After an alarm the level moved: the cycle is stored against the new level.
      store(verdict.alarm ? expected : learned, value)
      return verdict
    },
    reset() {
      hist.fill(0)
      s = freshState()
    },
    saveState: () => ({ ...s, hist: Array.from(hist) }),
    loadState(r, state, path) {
      const next = loadNumbers(freshState(), r, state, path)
      const values = r.numbers(state.hist, `${path}.hist`, size)
      s = next
      hist.set(values)
    },
  }
}
