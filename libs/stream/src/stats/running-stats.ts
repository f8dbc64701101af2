/**
 * @module stats/running-stats
 * A mergeable accumulator of everything a window aggregate reports: count, mean, sample standard deviation,
 * min, max, the first and last sample by event time, and the latest ingest time. It adds one sample in O(1)
 * with Welford's update and merges two accumulators in O(1) with Chan et al.'s parallel formula, so windows
 * can be built from panes or partial stacks without ever subtracting (which is what keeps it numerically
 * stable: no cancellation when a large value leaves a window).
 *
 * References: B. P. Welford, "Note on a method for calculating corrected sums of squares and products",
 * Technometrics 4(3), 1962; T. F. Chan, G. H. Golub, R. J. LeVeque, "Updating formulae and a pairwise
 * algorithm for computing sample variances", Stanford CS report STAN-CS-79-773, 1979.
 */

/**
 * Sample standard deviation (n − 1 denominator) from a count and a sum of squared deviations; 0 when n < 2.
 * Rounding can leave `m2` a hair below zero for constant data, so it is clamped.
 */
export function sampleStd(n: number, m2: number): number {
  return n < 2 || m2 <= 0 ? 0 : Math.sqrt(m2 / (n - 1))
}

/** The fields of a {@link RunningStats}, in the order of its state array. */
export const RUNNING_STATS_FIELDS = [
  'n',
  'mean',
  'm2',
  'min',
  'max',
  'ingestMax',
  'firstT',
  'first',
  'firstSeq',
  'lastT',
  'last',
  'lastSeq',
] as const

/**
 * Running statistics over a multiset of samples.
 *
 * `first`/`last` are the values of the samples with the smallest/largest event time `t`; on equal times the
 * earlier arrival is `first` and the later arrival is `last`. `firstSeq`/`lastSeq` are their sequence numbers.
 * `std` is the *sample* standard deviation (n − 1 denominator), 0 when n < 2.
 *
 * @example
 * ```ts
 * const s = new RunningStats()
 * s.add(1, 0, 10, 0); s.add(2, 1, 20, 1); s.add(3, 2, 30, 2)
 * s.mean // 20
 * s.std  // 10
 * ```
 */
export class RunningStats {
  n = 0
  mean = 0
  /** Sum of squared deviations from the mean. */
  m2 = 0
  min = Infinity
  max = -Infinity
  ingestMax = -Infinity
  firstT = Infinity
  first = NaN
  firstSeq = NaN
  lastT = -Infinity
  last = NaN
  lastSeq = NaN

  /** Sample standard deviation (n − 1 denominator); 0 when fewer than two samples. */
  get std(): number {
    return sampleStd(this.n, this.m2)
  }

  /** Forgets every sample. */
  reset(): void {
    this.n = 0
    this.mean = 0
    this.m2 = 0
    this.min = Infinity
    this.max = -Infinity
    this.ingestMax = -Infinity
    this.firstT = Infinity
    this.first = NaN
    this.firstSeq = NaN
    this.lastT = -Infinity
    this.last = NaN
    this.lastSeq = NaN
  }

  /** Adds one sample (Welford's update). The sample is taken to arrive after every sample already added. */
  add(seq: number, t: number, value: number, ingest: number): void {
    const n = this.n + 1
    const d = value - this.mean
    this.n = n
    this.mean += d / n
    this.m2 += d * (value - this.mean)
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
    if (ingest > this.ingestMax) this.ingestMax = ingest
    if (t < this.firstT) {
      this.firstT = t
      this.first = value
      this.firstSeq = seq
    }
    if (t >= this.lastT) {
      this.lastT = t
      this.last = value
      this.lastSeq = seq
    }
  }

  /**
   * Merges `other` into this accumulator (Chan et al.'s parallel formula). `other`'s samples are taken to
   * arrive after this one's, which only matters for ties in event time.
   */
  merge(other: RunningStats): void {
    const nb = other.n
    if (nb === 0) return
    const na = this.n
    if (na === 0) {
      this.copyFrom(other)
      return
    }
    const n = na + nb
    const d = other.mean - this.mean
    this.mean += (d * nb) / n
    this.m2 += other.m2 + ((d * d * na) / n) * nb
    this.n = n
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
    if (other.ingestMax > this.ingestMax) this.ingestMax = other.ingestMax
    if (other.firstT < this.firstT) {
      this.firstT = other.firstT
      this.first = other.first
      this.firstSeq = other.firstSeq
    }
    if (other.lastT >= this.lastT) {
      this.lastT = other.lastT
      this.last = other.last
      this.lastSeq = other.lastSeq
    }
  }

  /** Every field, in the order of {@link RUNNING_STATS_FIELDS}, for a handover (issue 13). */
  toArray(): number[] {
    return RUNNING_STATS_FIELDS.map((k) => this[k])
  }

  /** Sets every field from {@link RunningStats.toArray}'s output (the caller checks: 12 numbers). */
  setFromArray(a: readonly number[]): void {
    RUNNING_STATS_FIELDS.forEach((k, i) => {
      this[k] = a[i]!
    })
  }

  /** Makes this accumulator an exact copy of `other`. */
  copyFrom(other: RunningStats): void {
    this.n = other.n
    this.mean = other.mean
    this.m2 = other.m2
    this.min = other.min
    this.max = other.max
    this.ingestMax = other.ingestMax
    this.firstT = other.firstT
    this.first = other.first
    this.firstSeq = other.firstSeq
    this.lastT = other.lastT
    this.last = other.last
    this.lastSeq = other.lastSeq
  }
}
