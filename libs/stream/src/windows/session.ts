/**
 * @module windows/session
 * Session windows on event time (DESIGN.md §7): a session is a run of samples, and it closes when event time
 * moves `gap` ms or more past its latest sample, or `maxDuration` ms or more past its first.
 *
 * - A sample at `t` with `t − end ≥ gap` or `t − start ≥ maxDuration` (`start`/`end`: the earliest and latest
 *   event time in the open session) emits the open session and starts a new one with itself.
 * - An out-of-order sample with `start ≤ t` joins the open session.
 * - A sample older than the open session's start is **late**: counted and dropped (the session it belonged
 *   to, if any, has already been emitted).
 * - {@link WindowOperator.advance} emits the open session on the same rules when the sensor falls silent,
 *   but keeps it open: only samples move event time, so a sample that comes later (after an outage
 *   upstream) still joins it, and the session is emitted again when the data closes it, unless it did
 *   not change (issue 11, item 2).
 * - Event times beyond ±`MAX_EVENT_TIME_MS` (2^52 ms) are rejected, like non-finite ones.
 * Statistics are O(1) per sample ({@link RunningStats}); `snapshot` keeps them and the counters exactly, for
 * handing a sensor over (issue 13).
 */
import type { Sample } from '../sample.js'
import { RunningStats } from '../stats/running-stats.js'
import { aggregateFromStats, type EmitAggregate, type WindowAggregate } from './aggregate.js'
import type { WindowOperator } from './operator.js'
import { readStats } from './pane-queue.js'
import { isWindowTime, type SessionWindowSpec } from './spec.js'
import { decodeWindowState, encodeWindowState } from './window-state.js'

class SessionWindow implements WindowOperator {
  lateCount = 0
  rejectedCount = 0
  private readonly gap: number
  private readonly maxDuration: number
  private readonly stats = new RunningStats()
  /** Samples in the open session when {@link advance} emitted it (−1: it did not). */
  private provisionalN = -1

  constructor(
    readonly name: string,
    readonly spec: SessionWindowSpec,
  ) {
    this.gap = spec.gap
    this.maxDuration = spec.maxDuration
  }

  push(sample: Sample, emit: EmitAggregate): void {
    const s = this.stats
    const t = sample.t
    if (!isWindowTime(t) || sample.value - sample.value !== 0) {
      this.rejectedCount++
      return
    }
    if (s.n > 0) {
      if (t < s.firstT) {
        this.lateCount++
        return
      }
      if (this.endsSession(t)) this.close(emit)
    }
    s.add(sample.seq, t, sample.value, sample.ingest)
  }

  advance(t: number, emit: EmitAggregate): void {
    const s = this.stats
    if (s.n === 0 || s.n === this.provisionalN || !isWindowTime(t) || !this.endsSession(t)) return
    this.provisionalN = s.n
    emit(this.aggregate())
  }

  flush(emit: EmitAggregate): void {
    if (this.stats.n > 0) this.close(emit)
  }

  snapshot(): unknown {
    return encodeWindowState(this.name, this.spec, {
      late: this.lateCount,
      rejected: this.rejectedCount,
      provisionalN: this.provisionalN,
      stats: this.stats.toArray(),
    })
  }

  restore(state: unknown): void {
    const { r, s } = decodeWindowState(this.name, this.spec, state)
    const late = r.integer(s.late, 'state.late')
    const rejected = r.integer(s.rejected, 'state.rejected')
    const provisionalN = r.integer(s.provisionalN, 'state.provisionalN', -1)
    const stats = readStats(r, s.stats, 'state.stats')
    this.lateCount = late
    this.rejectedCount = rejected
    this.provisionalN = provisionalN
    this.stats.copyFrom(stats)
  }

  private endsSession(t: number): boolean {
    const s = this.stats
    return t - s.lastT >= this.gap || t - s.firstT >= this.maxDuration
  }

  private aggregate(): WindowAggregate {
    const s = this.stats
    return aggregateFromStats(s, this.name, 'session', s.firstT, s.lastT, this.lateCount)
  }

  private close(emit: EmitAggregate): void {
    // Emitted by `advance` already, with the same samples: not again.
    const unchanged = this.stats.n === this.provisionalN
    const aggregate = this.aggregate()
    this.stats.reset()
    this.provisionalN = -1
    if (!unchanged) emit(aggregate)
  }
}

/**
 * Creates a session window operator from a validated spec (use {@link createWindow} to validate too).
 *
 * @example
 * ```ts
 * const w = createSessionWindow('bursts', { type: 'session', gap: 2000, maxDuration: 60_000 })
 * w.push({ seq: 1, t: 0, value: 1, ingest: 0 }, (a) => publish(a))
 * w.advance(5000, (a) => publish(a)) // 5 s of silence: emits the session
 * ```
 */
export function createSessionWindow(name: string, spec: SessionWindowSpec): WindowOperator {
  return new SessionWindow(name, spec)
}
