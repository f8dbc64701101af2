/**
 * @module windows/count
 * Count-based windows (DESIGN.md §7): the last `size` samples in arrival order, emitted once `size` samples
 * have arrived and then every `stride` samples. Sliding and hopping windows run on {@link SlidingStats}
 * (Two-Stacks, O(1) amortised per sample whatever the size, no allocation but the emitted aggregate);
 * tumbling windows need no history at all and use one running accumulator.
 *
 * `flush` emits the window in progress if it holds samples not yet emitted: for tumbling windows the partial
 * window of those samples, otherwise the last ≤ `size` samples. Samples with a non-finite value are
 * rejected (counted in `rejectedCount`); count windows never count samples as late. `snapshot` keeps the
 * samples, the Two-Stacks split and its partial aggregates (or the tumbling accumulator) exactly, so a
 * restored window emits bit-identical aggregates.
 */
import type { Sample } from '../sample.js'
import { sampleStd } from '../stats/running-stats.js'
import { SlidingStats } from '../stats/sliding-stats.js'
import type { EmitAggregate, WindowKind } from './aggregate.js'
import type { WindowOperator } from './operator.js'
import { windowKind, type CountWindowSpec } from './spec.js'
import { decodeWindowState, encodeWindowState } from './window-state.js'

/** Sliding or hopping count window (stride < size). */
class SlidingCountWindow implements WindowOperator {
  readonly lateCount = 0
  rejectedCount = 0
  private readonly kind: WindowKind
  private readonly stats: SlidingStats
  private readonly stride: number
  /** Samples to go before the next emission. */
  private untilEmit: number
  /** Samples that arrived since the last emission. */
  private pending = 0

  constructor(
    readonly name: string,
    readonly spec: CountWindowSpec,
  ) {
    this.kind = windowKind(spec)
    this.stats = new SlidingStats(spec.size)
    this.stride = spec.stride
    this.untilEmit = spec.size
  }

  push(sample: Sample, emit: EmitAggregate): void {
    const x = sample.value
    // x − x is 0 for every finite number and NaN for NaN and ±Infinity.
    if (x - x !== 0) {
      this.rejectedCount++
      return
    }
    this.stats.push(sample.seq, sample.t, x, sample.ingest)
    this.pending++
    if (--this.untilEmit === 0) {
      this.untilEmit = this.stride
      this.emitWindow(emit)
    }
  }

  advance(): void {
    // Count windows do not depend on time.
  }

  flush(emit: EmitAggregate): void {
    if (this.pending > 0) this.emitWindow(emit)
    this.stats.clear()
    this.untilEmit = this.spec.size
  }

  snapshot(): unknown {
    return encodeWindowState(this.name, this.spec, {
      rejected: this.rejectedCount,
      untilEmit: this.untilEmit,
      pending: this.pending,
      stats: this.stats.toState(),
    })
  }

  restore(state: unknown): void {
    const { r, s } = decodeWindowState(this.name, this.spec, state)
    const rejected = r.integer(s.rejected, 'state.rejected')
    const untilEmit = r.integer(s.untilEmit, 'state.untilEmit', 1)
    if (untilEmit > this.spec.size)
      r.fail('state.untilEmit', `is more than the size ${this.spec.size}`)
    const pending = r.integer(s.pending, 'state.pending')
    // Checks every field before it changes one, so a refused state leaves the window as it was.
    const probe = new SlidingStats(this.spec.size)
    probe.restoreState(r, r.object(s.stats, 'state.stats'), 'state.stats')
    this.stats.restoreState(r, r.object(s.stats, 'state.stats'), 'state.stats')
    this.rejectedCount = rejected
    this.untilEmit = untilEmit
    this.pending = pending
  }

  private emitWindow(emit: EmitAggregate): void {
    const s = this.stats
    s.compute()
    this.pending = 0
    emit({
      window: this.name,
      kind: this.kind,
      start: s.firstT,
      end: s.lastT,
      count: s.count,
      mean: s.mean,
      std: sampleStd(s.count, s.m2),
      min: s.min,
      max: s.max,
      first: s.first,
      last: s.last,
      seqFrom: s.firstSeq,
      seqTo: s.lastSeq,
      late: 0,
      ingestMax: s.ingestMax,
    })
  }
}

/** The accumulator fields of a tumbling count window, in the order of its state's `acc`. */
const TUMBLING_FIELDS = [
  'n',
  'mean',
  'm2',
  'min',
  'max',
  'ingestMax',
  'startT',
  'first',
  'seqFrom',
  'endT',
  'last',
  'seqTo',
] as const

/** Tumbling count window (stride = size): one running accumulator, reset after each window. */
class TumblingCountWindow implements WindowOperator {
  readonly lateCount = 0
  rejectedCount = 0
  private readonly size: number
  private n = 0
  private mean = 0
  private m2 = 0
  private min = Infinity
  private max = -Infinity
  private ingestMax = -Infinity
  private startT = NaN
  private first = NaN
  private seqFrom = NaN
  private endT = NaN
  private last = NaN
  private seqTo = NaN

  constructor(
    readonly name: string,
    readonly spec: CountWindowSpec,
  ) {
    this.size = spec.size
  }

  push(sample: Sample, emit: EmitAggregate): void {
    const x = sample.value
    if (x - x !== 0) {
      this.rejectedCount++
      return
    }
    const n = ++this.n
    if (n === 1) {
      this.startT = sample.t
      this.first = x
      this.seqFrom = sample.seq
    }
    const d = x - this.mean
    this.mean += d / n
    this.m2 += d * (x - this.mean)
    if (x < this.min) this.min = x
    if (x > this.max) this.max = x
    if (sample.ingest > this.ingestMax) this.ingestMax = sample.ingest
    this.endT = sample.t
    this.last = x
    this.seqTo = sample.seq
    if (n === this.size) this.emitWindow(emit)
  }

  advance(): void {
    // Count windows do not depend on time.
  }

  flush(emit: EmitAggregate): void {
    if (this.n > 0) this.emitWindow(emit)
  }

  snapshot(): unknown {
    return encodeWindowState(this.name, this.spec, {
      rejected: this.rejectedCount,
      acc: TUMBLING_FIELDS.map((k) => this[k]),
    })
  }

  restore(state: unknown): void {
    const { r, s } = decodeWindowState(this.name, this.spec, state)
    const rejected = r.integer(s.rejected, 'state.rejected')
    const acc = r.numbers(s.acc, 'state.acc', TUMBLING_FIELDS.length)
    const n = acc[0]!
    if (!Number.isInteger(n) || n < 0 || n >= this.size) {
      r.fail('state.acc[0]', `is not a sample count in 0‥${this.size - 1}`)
    }
    this.rejectedCount = rejected
    TUMBLING_FIELDS.forEach((k, i) => {
      this[k] = acc[i]!
    })
  }

  private emitWindow(emit: EmitAggregate): void {
    const aggregate = {
      window: this.name,
      kind: 'tumbling' as const,
      start: this.startT,
      end: this.endT,
      count: this.n,
      mean: this.mean,
      std: sampleStd(this.n, this.m2),
      min: this.min,
      max: this.max,
      first: this.first,
      last: this.last,
      seqFrom: this.seqFrom,
      seqTo: this.seqTo,
      late: 0,
      ingestMax: this.ingestMax,
    }
    this.n = 0
    this.mean = 0
    this.m2 = 0
    this.min = Infinity
    this.max = -Infinity
    this.ingestMax = -Infinity
    emit(aggregate)
  }
}

/**
 * Creates a count window operator from a validated spec (use {@link createWindow} to validate too).
 *
 * @example
 * ```ts
 * const w = createCountWindow('last100', { type: 'count', size: 100, stride: 25 })
 * w.push({ seq: 1, t: 1000, value: 3.2, ingest: 1000.4 }, (a) => publish(a))
 * ```
 */
export function createCountWindow(name: string, spec: CountWindowSpec): WindowOperator {
  return spec.stride === spec.size
    ? new TumblingCountWindow(name, spec)
    : new SlidingCountWindow(name, spec)
}
