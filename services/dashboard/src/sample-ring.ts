/**
 * @module sample-ring
 * One sensor's recent raw samples: four parallel `Float64Array`s of fixed capacity, the oldest overwritten
 * first. The page keeps one per sensor, and the server one per sensor as the history a new page starts
 * from. Memory is allocated once per sensor, so a page or a server left running for days holds the same
 * amount as after a minute. Samples not newer than the last one are ignored, which makes replaying a
 * snapshot over data already shown harmless. Its positions are the shared {@link RingSlots}. Pure (no DOM,
 * no Node), so both sides share it.
 */
import type { SampleColumns } from './protocol.js'
import { RingSlots } from './ring-slots.js'

/** A fixed-capacity ring of raw samples, oldest first. */
export class SampleRing extends RingSlots {
  readonly seq: Float64Array
  readonly t: Float64Array
  readonly v: Float64Array
  readonly i: Float64Array

  /**
   * @example
   * ```ts
   * const ring = new SampleRing(4096)
   * ring.push(1, 1000, 450, 1000.4)
   * ```
   */
  constructor(capacity: number) {
    super(capacity)
    this.seq = new Float64Array(capacity)
    this.t = new Float64Array(capacity)
    this.v = new Float64Array(capacity)
    this.i = new Float64Array(capacity)
  }

  /** Event time of the newest sample, or `-Infinity` when empty. */
  get lastT(): number {
    return this.size === 0 ? -Infinity : this.t[this.index(this.size - 1)]!
  }

  /** Value of the newest sample, or `undefined` when empty. */
  get lastValue(): number | undefined {
    return this.size === 0 ? undefined : this.v[this.index(this.size - 1)]
  }

  /** Appends a sample; returns false (keeping nothing) when it is not newer than the newest, or at capacity 0. */
  push(seq: number, t: number, v: number, i: number): boolean {
    if (this.capacity === 0 || !(t > this.lastT)) return false
    const k = this.append()
    this.seq[k] = seq
    this.t[k] = t
    this.v[k] = v
    this.i[k] = i
    return true
  }

  /** Logical position of the first sample with `t >= from` (binary search; `length` when none). */
  firstSince(from: number): number {
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.t[this.index(mid)]! < from) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Copies times and values of samples with `t >= from` into `x` and `y` (oldest first); returns the count. */
  copySince(from: number, x: Float64Array, y: Float64Array): number {
    let n = 0
    for (let k = this.firstSince(from); k < this.size; k++) {
      const p = this.index(k)
      x[n] = this.t[p]!
      y[n] = this.v[p]!
      n++
    }
    return n
  }

  /**
   * The device's sampling rate over the newest `spanMs` of event time, from sequence numbers, so it stays
   * right when the server decimated what it sent (samples/s; 0 with fewer than two samples).
   */
  rate(spanMs: number): number {
    if (this.size < 2) return 0
    const last = this.index(this.size - 1)
    const first = this.index(this.firstSince(this.t[last]! - spanMs))
    const dt = this.t[last]! - this.t[first]!
    const dseq = this.seq[last]! - this.seq[first]!
    return dt > 0 && dseq > 0 ? (dseq * 1000) / dt : 0
  }

  /** Every sample, oldest first, as the columns a snapshot carries. */
  columns(): SampleColumns {
    const out: SampleColumns = { seq: [], t: [], v: [], i: [] }
    for (let k = 0; k < this.size; k++) {
      const p = this.index(k)
      out.seq.push(this.seq[p]!)
      out.t.push(this.t[p]!)
      out.v.push(this.v[p]!)
      out.i.push(this.i[p]!)
    }
    return out
  }

  /** Forgets every sample (the arrays stay allocated). */
  clear(): void {
    this.head = 0
    this.size = 0
  }
}
