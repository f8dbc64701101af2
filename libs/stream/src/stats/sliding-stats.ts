/**
 * @module stats/sliding-stats
 * Statistics over the last `capacity` samples of a stream, O(1) amortised per sample whatever the capacity,
 * with no allocation after construction.
 *
 * It is the "Two-Stacks" sliding-window aggregation (K. Tangwongsan, M. Hirzel, S. Schneider, "Sliding-window
 * aggregation algorithms", Encyclopedia of Big Data Technologies, 2019): the window is a queue split into a
 * front part, where each slot holds the aggregate of itself and every newer front slot (a suffix aggregate),
 * and a back part summarised by one running aggregate. Evicting the oldest sample just moves past its slot;
 * when the front part is empty, the back part is "flipped" into suffix aggregates in one O(n) pass, which each
 * sample pays for once. The window's aggregate is the front suffix merged with the back aggregate (Chan et
 * al.'s formula for mean and variance, min/max for the extremes).
 *
 * Why not Welford add/remove plus monotonic deques? Removing a sample subtracts it, so a large value that
 * has left the window keeps its rounding error in the running variance for good (a 1e12 spike, then readings
 * near 1, leaves a standard deviation off by ~1e4 for ever). Two-Stacks only ever merges the samples that are
 * in the window, so its error is that of a batch computation over the window; min, max and the latest ingest
 * time come out of the same structure, at the same amortised cost as monotonic deques.
 */
import type { StateObject, StateReader } from '../state/json-state.js'
import { sampleStd } from './running-stats.js'

/**
 * The whole state of a {@link SlidingStats} (issue 13), oldest sample first: the samples, the suffix
 * aggregates of the front part (its first `front` samples) and the back aggregate. Keeping the split and the
 * suffixes, not just the samples, is what makes a restored window give bit-identical results.
 */
export interface SlidingStatsState {
  readonly values: number[]
  readonly times: number[]
  readonly seqs: number[]
  readonly ingests: number[]
  readonly front: number
  /** Per front sample: mean, m2, min, max, latest ingest of it and every newer front sample. */
  readonly suffixes: [number, number, number, number, number][]
  /** Back aggregate: n, mean, m2, min, max, latest ingest. */
  readonly back: number[]
}

/**
 * Sliding statistics over the last `capacity` samples (count, mean, sample std, min, max, first/last by
 * arrival, latest ingest time). Call {@link SlidingStats.push} per sample, then {@link SlidingStats.compute}
 * when you need the aggregate; its results are left in the fields (`mean`, `m2`, `min`, `max`, `ingestMax`,
 * `first`, `firstT`, `firstSeq`, `last`, `lastT`, `lastSeq`).
 *
 * @example
 * ```ts
 * const s = new SlidingStats(3)
 * for (const [i, v] of [5, 1, 9, 4].entries()) s.push(i, i, v, i)
 * s.compute()
 * s.count // 3 (1, 9, 4)
 * s.max   // 9
 * s.first // 1
 * ```
 */
export class SlidingStats {
  readonly capacity: number
  /** Samples in the window, ≤ capacity. */
  count = 0

  /** Results of the last {@link SlidingStats.compute}. */
  mean = 0
  m2 = 0
  min = Infinity
  max = -Infinity
  ingestMax = -Infinity
  /** Value, event time and sequence number of the oldest sample, as of the last compute (NaN when empty). */
  first = NaN
  firstT = NaN
  firstSeq = NaN
  /** Value, event time and sequence number of the newest sample, as of the last compute (NaN when empty). */
  last = NaN
  lastT = NaN
  lastSeq = NaN

  private readonly values: Float64Array
  private readonly ingests: Float64Array
  private readonly times: Float64Array
  private readonly seqs: Float64Array
  // Suffix aggregates of the front part, at the same ring positions as the samples.
  private readonly sMean: Float64Array
  private readonly sM2: Float64Array
  private readonly sMin: Float64Array
  private readonly sMax: Float64Array
  private readonly sIng: Float64Array
  /** Ring position of the oldest sample. */
  private head = 0
  /** Samples in the front part (the oldest `front` samples). */
  private front = 0
  // Running aggregate of the back part.
  private bN = 0
  private bMean = 0
  private bM2 = 0
  private bMin = Infinity
  private bMax = -Infinity
  private bIng = -Infinity

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be an integer ≥ 1, got ${String(capacity)}`)
    }
    this.capacity = capacity
    this.values = new Float64Array(capacity)
    this.ingests = new Float64Array(capacity)
    this.times = new Float64Array(capacity)
    this.seqs = new Float64Array(capacity)
    this.sMean = new Float64Array(capacity)
    this.sM2 = new Float64Array(capacity)
    this.sMin = new Float64Array(capacity)
    this.sMax = new Float64Array(capacity)
    this.sIng = new Float64Array(capacity)
  }

  /** Appends a sample, evicting the oldest one first when the window is full. */
  push(seq: number, t: number, value: number, ingest: number): void {
    const cap = this.capacity
    if (this.count === cap) this.evictOldest()
    let pos = this.head + this.count
    if (pos >= cap) pos -= cap
    this.values[pos] = value
    this.ingests[pos] = ingest
    this.times[pos] = t
    this.seqs[pos] = seq
    this.count++
    // Welford's update of the back aggregate.
    const n = ++this.bN
    const d = value - this.bMean
    this.bMean += d / n
    this.bM2 += d * (value - this.bMean)
    if (value < this.bMin) this.bMin = value
    if (value > this.bMax) this.bMax = value
    if (ingest > this.bIng) this.bIng = ingest
  }

  /** Drops the oldest sample; a no-op on an empty window. */
  evictOldest(): void {
    if (this.count === 0) return
    if (this.front === 0) this.flip()
    this.front--
    this.count--
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
  }

  /**
   * Computes the window's aggregate into `mean`, `m2`, `min`, `max`, `ingestMax` and the `first…`/`last…`
   * fields.
   */
  compute(): void {
    const count = this.count
    const h = this.head
    if (count === 0) {
      this.first = this.firstT = this.firstSeq = this.last = this.lastT = this.lastSeq = NaN
    } else {
      let tail = h + count - 1
      if (tail >= this.capacity) tail -= this.capacity
      this.first = this.values[h]!
      this.firstT = this.times[h]!
      this.firstSeq = this.seqs[h]!
      this.last = this.values[tail]!
      this.lastT = this.times[tail]!
      this.lastSeq = this.seqs[tail]!
    }
    const na = this.front
    const nb = this.bN
    if (na === 0) {
      this.mean = this.bMean
      this.m2 = this.bM2
      this.min = this.bMin
      this.max = this.bMax
      this.ingestMax = this.bIng
      return
    }
    const aMean = this.sMean[h]!
    const aM2 = this.sM2[h]!
    const aMin = this.sMin[h]!
    const aMax = this.sMax[h]!
    const aIng = this.sIng[h]!
    if (nb === 0) {
      this.mean = aMean
      this.m2 = aM2
      this.min = aMin
      this.max = aMax
      this.ingestMax = aIng
      return
    }
    // Chan et al.'s parallel combination of (na, aMean, aM2) and (nb, bMean, bM2).
    const n = na + nb
    const d = this.bMean - aMean
    this.mean = aMean + (d * nb) / n
    this.m2 = aM2 + this.bM2 + ((d * d * na) / n) * nb
    this.min = aMin < this.bMin ? aMin : this.bMin
    this.max = aMax > this.bMax ? aMax : this.bMax
    this.ingestMax = aIng > this.bIng ? aIng : this.bIng
  }

  /** Sample standard deviation of the last {@link SlidingStats.compute} (n − 1 denominator; 0 when n < 2). */
  get std(): number {
    return sampleStd(this.count, this.m2)
  }

  /** The whole state, oldest sample first (numbers raw: the caller encodes it for JSON). */
  toState(): SlidingStatsState {
    const order = Array.from({ length: this.count }, (_, k) => this.position(k))
    return {
      values: order.map((p) => this.values[p]!),
      times: order.map((p) => this.times[p]!),
      seqs: order.map((p) => this.seqs[p]!),
      ingests: order.map((p) => this.ingests[p]!),
      front: this.front,
      suffixes: order
        .slice(0, this.front)
        .map((p) => [this.sMean[p]!, this.sM2[p]!, this.sMin[p]!, this.sMax[p]!, this.sIng[p]!]),
      back: [this.bN, this.bMean, this.bM2, this.bMin, this.bMax, this.bIng],
    }
  }

  /** Restores a decoded {@link SlidingStatsState}, checking its shape with `r` (`path`: where it is). */
  restoreState(r: StateReader, state: StateObject, path: string): void {
    const count = r.array(state.values, `${path}.values`).length
    if (count > this.capacity) r.fail(`${path}.values`, `holds more than ${this.capacity} samples`)
    const values = r.numbers(state.values, `${path}.values`)
    const times = r.numbers(state.times, `${path}.times`, count)
    const seqs = r.numbers(state.seqs, `${path}.seqs`, count)
    const ingests = r.numbers(state.ingests, `${path}.ingests`, count)
    const front = r.integer(state.front, `${path}.front`)
    if (front > count) r.fail(`${path}.front`, `is more than the ${count} samples`)
    const suffixes = r.array(state.suffixes, `${path}.suffixes`, front)
    const back = r.numbers(state.back, `${path}.back`, 6)
    if (back[0] !== count - front) r.fail(`${path}.back[0]`, 'does not count the back part')
    this.clear()
    for (let k = 0; k < count; k++) {
      this.values[k] = values[k]!
      this.times[k] = times[k]!
      this.seqs[k] = seqs[k]!
      this.ingests[k] = ingests[k]!
    }
    suffixes.forEach((x, k) => {
      const a = r.numbers(x, `${path}.suffixes[${k}]`, 5)
      this.sMean[k] = a[0]!
      this.sM2[k] = a[1]!
      this.sMin[k] = a[2]!
      this.sMax[k] = a[3]!
      this.sIng[k] = a[4]!
    })
    this.count = count
    this.front = front
    ;[this.bN, this.bMean, this.bM2, this.bMin, this.bMax, this.bIng] = back as [
      number,
      number,
      number,
      number,
      number,
      number,
    ]
  }

  /** Forgets every sample. */
  clear(): void {
    this.count = 0
    this.head = 0
    this.front = 0
    this.resetBack()
  }

  /** Ring position of the k-th oldest sample. */
  private position(k: number): number {
    const pos = this.head + k
    return pos >= this.capacity ? pos - this.capacity : pos
  }

  private resetBack(): void {
    this.bN = 0
    this.bMean = 0
    this.bM2 = 0
    this.bMin = Infinity
    this.bMax = -Infinity
    this.bIng = -Infinity
  }

  /** Turns every sample of the back part into the front part, computing suffix aggregates newest-first. */
  private flip(): void {
    const cap = this.capacity
    const values = this.values
    const ingests = this.ingests
    const sMean = this.sMean
    const sM2 = this.sM2
    const sMin = this.sMin
    const sMax = this.sMax
    const sIng = this.sIng
    let mean = 0
    let m2 = 0
    let min = Infinity
    let max = -Infinity
    let ing = -Infinity
    let pos = this.head + this.count - 1
    if (pos >= cap) pos -= cap
    for (let k = 1; k <= this.count; k++) {
      const x = values[pos]!
      const d = x - mean
      mean += d / k
      m2 += d * (x - mean)
      if (x < min) min = x
      if (x > max) max = x
      const g = ingests[pos]!
      if (g > ing) ing = g
      sMean[pos] = mean
      sM2[pos] = m2
      sMin[pos] = min
      sMax[pos] = max
      sIng[pos] = ing
      pos = pos === 0 ? cap - 1 : pos - 1
    }
    this.front = this.count
    this.resetBack()
  }
}
