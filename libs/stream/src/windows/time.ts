/**
 * @module windows/time
 * Time windows on event time (DESIGN.md §7): windows `[k·every, k·every + length)`, with a watermark of
 * `max event time − allowedLateness`.
 *
 * Semantics, in the order one `push` applies them:
 * 1. A sample whose event time is behind the watermark (`t < maxT − allowedLateness`, `maxT` being the
 *    largest event time seen before it) is **late**: counted in `lateCount` (and in every later aggregate's
 *    `late`) and dropped from every window.
 * 2. A window **fires** (is emitted) as soon as event time reaches its end (`maxT ≥ end`), in order of start;
 *    windows without samples are not emitted.
 * 3. Every other sample is accepted. If it falls in windows that have already fired, it updates them and each
 *    is **re-emitted** at once (a late-but-allowed sample); a window that had no samples when its turn came is
 *    emitted now for the first time.
 * 4. A window **closes** (is forgotten) once the watermark reaches its end; accepted samples never fall in a
 *    closed window, because they are not behind the watermark.
 * With `allowedLateness` = 0, every out-of-order sample is late and nothing is ever re-emitted.
 *
 * **Idle sensors** ({@link TimeWindow.advance}). Only samples move event time. `advance(t)` (the wall
 * clock's guess for a silent sensor) emits, once, the windows that event time `t` would complete, but
 * moves neither event time nor the watermark: a sample that comes later (say after a broker outage, from
 * a buffer upstream) is judged against the sensor's own event time, so a stall never makes data late
 * (issue 11, item 2). Those windows are emitted again when the data completes them, unless no sample
 * came in since: a consumer keeps the last aggregate per window `(start, end)`.
 *
 * **Range.** Event times beyond ±`MAX_EVENT_TIME_MS` (2^52 ms) are rejected (`rejectedCount`): indices of
 * windows stay exact integers, so no loop over them can stall (issue 11, item 1: `t = 1e19` used to spin
 * forever). The loops over window indices are bounded by `length / every` per sample in any case.
 *
 * Cost: windows are built from panes of `gcd(length, every)` ms held in a {@link PaneQueue}, so an in-order
 * sample costs O(1) amortised whatever the window length; an out-of-order one costs O(panes back to the
 * oldest pane of the next window) plus O(1) per already-fired window it updates.
 *
 * **Handover** (issue 13): `snapshot` keeps the pane queue (with its Two-Stacks split), the fired windows
 * still open, the watermark and every counter, so a restored window resumes bit-identically.
 */
import type { Sample } from '../sample.js'
import { RunningStats } from '../stats/running-stats.js'
import {
  aggregateFromStats,
  type EmitAggregate,
  type WindowAggregate,
  type WindowKind,
} from './aggregate.js'
import type { WindowOperator } from './operator.js'
import { PaneQueue, readStats } from './pane-queue.js'
import { gcd, isWindowTime, windowKind, type TimeWindowSpec } from './spec.js'
import { decodeWindowState, encodeWindowState } from './window-state.js'

/** A window that has fired and is still open for late-but-allowed samples. */
interface FiredWindow {
  readonly index: number
  readonly stats: RunningStats
}

class TimeWindow implements WindowOperator {
  lateCount = 0
  rejectedCount = 0
  private readonly kind: WindowKind
  private readonly length: number
  private readonly every: number
  private readonly lateness: number
  /** Pane width, ms. */
  private readonly pane: number
  /** Panes per step of `every`. */
  private readonly panesPerStep: number
  /** Panes per window. */
  private readonly panesPerWindow: number
  /** Panes of every window that has not fired yet, from the start of `nextWindow` on. */
  private readonly queue: PaneQueue
  private readonly scratch = new RunningStats()
  /** Fired windows not yet closed, by ascending index. */
  private fired: FiredWindow[] = []
  private started = false
  private maxT = -Infinity
  /** Index of the oldest window that has not fired: the first whose end is after `maxT`. */
  private nextWindow = 0
  /** Samples accepted so far (into a pending or a fired window). */
  private accepted = 0
  /** Windows below this index were emitted ahead of the data by {@link advance}, … */
  private provisionalUntil = -Infinity
  /** … when `accepted` was this: fired later with no sample since, they are not emitted again. */
  private acceptedAtProvisional = -1

  constructor(
    readonly name: string,
    readonly spec: TimeWindowSpec,
  ) {
    this.kind = windowKind(spec)
    this.length = spec.length
    this.every = spec.every
    this.lateness = spec.allowedLateness
    this.pane = gcd(spec.length, spec.every)
    this.panesPerStep = spec.every / this.pane
    this.panesPerWindow = spec.length / this.pane
    this.queue = new PaneQueue(this.panesPerWindow)
  }

  push(sample: Sample, emit: EmitAggregate): void {
    const t = sample.t
    if (!isWindowTime(t) || sample.value - sample.value !== 0) {
      this.rejectedCount++
      return
    }
    if (!this.started) {
      this.started = true
      this.maxT = t
      this.nextWindow = this.firstWindowEndingAfter(t)
      this.queue.resetAt(this.nextWindow * this.panesPerStep)
    } else if (t < this.maxT - this.lateness) {
      this.lateCount++
      return
    } else if (t > this.maxT) {
      this.advanceTo(t, emit)
    }
    this.accepted++
    if (t >= this.nextWindow * this.every) {
      this.queue.add(Math.floor(t / this.pane), sample.seq, t, sample.value, sample.ingest)
    }
    // Windows containing t that have already fired (only when t is behind maxT).
    const lastFired = Math.min(Math.floor(t / this.every), this.nextWindow - 1)
    for (let w = this.firstWindowEndingAfter(t); w <= lastFired; w++) {
      const stats = this.firedStats(w)
      stats.add(sample.seq, t, sample.value, sample.ingest)
      emit(this.aggregateOf(w, stats))
    }
  }

  /**
   * Emits, once, each window holding samples that event time `t` would complete, without moving event
   * time (see the module note). Bounded: at most `length / every + 1` windows hold samples past `maxT`.
   */
  advance(t: number, emit: EmitAggregate): void {
    if (!this.started || !(t > this.maxT) || !isWindowTime(t)) return
    // The last window ending by t, and the last one that can hold a sample (it starts by maxT).
    const last = Math.min(
      Math.floor((t - this.length) / this.every),
      Math.floor(this.maxT / this.every),
    )
    let w = Math.max(this.nextWindow, this.provisionalUntil)
    if (w > last) return
    const stats = this.scratch
    for (; w <= last; w++) {
      const first = w * this.panesPerStep
      this.queue.aggregateRange(first, first + this.panesPerWindow, stats)
      if (stats.n > 0) emit(this.aggregateOf(w, stats))
    }
    this.provisionalUntil = w
    this.acceptedAtProvisional = this.accepted
  }

  /** Moves event time on to `t` (a sample's): fires what it completes and closes what it passes. */
  private advanceTo(t: number, emit: EmitAggregate): void {
    this.maxT = t
    this.fireUntil(t, emit)
    this.closeUntil(t - this.lateness)
  }

  flush(emit: EmitAggregate): void {
    if (this.started) {
      while (this.queue.count > 0) this.fireNext(emit)
    }
    this.fired = []
    this.started = false
    this.maxT = -Infinity
    this.provisionalUntil = -Infinity
    this.acceptedAtProvisional = -1
    this.queue.resetAt(0)
  }

  snapshot(): unknown {
    return encodeWindowState(this.name, this.spec, {
      late: this.lateCount,
      rejected: this.rejectedCount,
      started: this.started,
      maxT: this.maxT,
      nextWindow: this.nextWindow,
      accepted: this.accepted,
      provisionalUntil: this.provisionalUntil,
      acceptedAtProvisional: this.acceptedAtProvisional,
      fired: this.fired.map((f) => [f.index, f.stats.toArray()]),
      queue: this.queue.toState(),
    })
  }

  restore(state: unknown): void {
    const { r, s } = decodeWindowState(this.name, this.spec, state)
    const late = r.integer(s.late, 'state.late')
    const rejected = r.integer(s.rejected, 'state.rejected')
    const started = r.boolean(s.started, 'state.started')
    const maxT = r.number(s.maxT, 'state.maxT')
    const nextWindow = r.integer(s.nextWindow, 'state.nextWindow', Number.MIN_SAFE_INTEGER)
    const accepted = r.integer(s.accepted, 'state.accepted')
    const provisionalUntil = r.number(s.provisionalUntil, 'state.provisionalUntil')
    const acceptedAtProvisional = r.integer(
      s.acceptedAtProvisional,
      'state.acceptedAtProvisional',
      -1,
    )
    const fired = r.array(s.fired, 'state.fired').map((x, k): FiredWindow => {
      const path = `state.fired[${k}]`
      const [index, stats] = r.array(x, path, 2)
      return {
        index: r.integer(index, `${path}[0]`, Number.MIN_SAFE_INTEGER),
        stats: readStats(r, stats, `${path}[1]`),
      }
    })
    // Checks the queue before it changes anything, so a refused state leaves the window as it was.
    const queue = r.object(s.queue, 'state.queue')
    new PaneQueue(this.panesPerWindow).restoreState(r, queue, 'state.queue')
    this.queue.restoreState(r, queue, 'state.queue')
    this.lateCount = late
    this.rejectedCount = rejected
    this.started = started
    this.maxT = maxT
    this.nextWindow = nextWindow
    this.accepted = accepted
    this.provisionalUntil = provisionalUntil
    this.acceptedAtProvisional = acceptedAtProvisional
    this.fired = fired
  }

  /** The first window whose end is after `t`: the oldest window that can contain `t`. */
  private firstWindowEndingAfter(t: number): number {
    return Math.floor((t - this.length) / this.every) + 1
  }

  /** Fires every window whose end is ≤ `t`, skipping runs of empty windows in one step. */
  private fireUntil(t: number, emit: EmitAggregate): void {
    while (this.nextWindow * this.every + this.length <= t) {
      if (this.queue.count === 0) {
        // No sample in any window from here up to t: jump to the first window that can still fill.
        this.nextWindow = Math.max(this.nextWindow, this.firstWindowEndingAfter(t))
        this.queue.resetAt(this.nextWindow * this.panesPerStep)
        return
      }
      this.fireNext(emit)
    }
  }

  /** Emits `nextWindow` (if it has samples), keeps it for late updates, and slides to the next window. */
  private fireNext(emit: EmitAggregate): void {
    const w = this.nextWindow
    if (this.queue.count > 0) {
      const stats = this.scratch
      this.queue.aggregate(stats)
      // Already emitted by `advance`, and no sample came in since: the same aggregate again.
      const unchanged = w < this.provisionalUntil && this.accepted === this.acceptedAtProvisional
      if (!unchanged) emit(this.aggregateOf(w, stats))
      if (w * this.every + this.length > this.maxT - this.lateness) {
        const kept = new RunningStats()
        kept.copyFrom(stats)
        this.fired.push({ index: w, stats: kept })
      }
    }
    this.nextWindow = w + 1
    this.queue.evictBefore(this.nextWindow * this.panesPerStep)
  }

  /** Forgets fired windows whose end is ≤ the watermark. */
  private closeUntil(watermark: number): void {
    let k = 0
    const fired = this.fired
    while (k < fired.length && fired[k]!.index * this.every + this.length <= watermark) k++
    if (k > 0) fired.splice(0, k)
  }

  /** The kept statistics of fired window `w`, created empty if `w` had no samples when it fired. */
  private firedStats(w: number): RunningStats {
    const fired = this.fired
    let lo = 0
    let hi = fired.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (fired[mid]!.index < w) lo = mid + 1
      else hi = mid
    }
    const found = fired[lo]
    if (found !== undefined && found.index === w) return found.stats
    const stats = new RunningStats()
    fired.splice(lo, 0, { index: w, stats })
    return stats
  }

  private aggregateOf(w: number, s: RunningStats): WindowAggregate {
    const start = w * this.every
    return aggregateFromStats(s, this.name, this.kind, start, start + this.length, this.lateCount)
  }
}

/**
 * Creates a time window operator from a validated spec (use {@link createWindow} to validate too).
 *
 * @example
 * ```ts
 * const w = createTimeWindow('w5s', { type: 'time', length: 5000, every: 1000, allowedLateness: 500 })
 * w.push({ seq: 7, t: 1732480000123, value: 450, ingest: 1732480000124 }, (a) => publish(a))
 * ```
 */
export function createTimeWindow(name: string, spec: TimeWindowSpec): WindowOperator {
  return new TimeWindow(name, spec)
}
