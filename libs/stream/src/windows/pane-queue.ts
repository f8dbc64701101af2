/**
 * @module windows/pane-queue
 * A queue of consecutive time panes with O(1) amortised aggregate queries, for time windows. Each pane
 * holds the running statistics of the samples whose event time falls in it; the queue answers "statistics
 * of every pane in the queue" by the same Two-Stacks method as {@link SlidingStats} (suffix aggregates for
 * the front part, one running aggregate for the back part), so sliding a window by a pane costs O(1)
 * amortised whatever the window length.
 *
 * Unlike a plain Two-Stacks queue, a sample may also land in a pane already in the queue (an out-of-order
 * sample within the allowed lateness). Merging is commutative, so that sample is merged into the back
 * aggregate if its pane is in the back part, or into the front suffixes that cover its pane: O(1) in the
 * back part, O(distance from the oldest pane) in the front part.
 */
import type { StateObject, StateReader } from '../state/json-state.js'
import { RUNNING_STATS_FIELDS, RunningStats } from '../stats/running-stats.js'

/**
 * The whole state of a {@link PaneQueue} (issue 13), oldest pane first: each pane's statistics, the suffix
 * aggregates of the front part and the back aggregate (as {@link RunningStats.toArray} arrays), so a
 * restored queue merges in the same order and gives bit-identical results.
 */
export interface PaneQueueState {
  readonly firstPane: number
  readonly front: number
  readonly panes: number[][]
  readonly suffixes: number[][]
  readonly back: number[]
}

/** Reads one {@link RunningStats.toArray} array with `r`. */
export function readStats(r: StateReader, x: unknown, path: string): RunningStats {
  const a = r.numbers(x, path, RUNNING_STATS_FIELDS.length)
  if (!Number.isInteger(a[0]) || a[0]! < 0) r.fail(`${path}[0]`, 'is not a sample count')
  const stats = new RunningStats()
  stats.setFromArray(a)
  return stats
}

export class PaneQueue {
  /** Pane index of the oldest pane in the queue. */
  firstPane = 0
  /** Panes in the queue; they are `firstPane … firstPane + length − 1`. */
  length = 0

  private readonly capacity: number
  private readonly panes: RunningStats[] = []
  private readonly suffixes: RunningStats[] = []
  private readonly back = new RunningStats()
  /** Ring position of the oldest pane. */
  private head = 0
  /** Panes in the front part. */
  private front = 0

  /** `capacity`: the most panes the queue will ever hold (slots are allocated lazily, then reused). */
  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** Samples in every pane of the queue. */
  get count(): number {
    return (this.front > 0 ? this.suffixes[this.head]!.n : 0) + this.back.n
  }

  /** Empties the queue and makes `pane` the index of the next pane it will hold. */
  resetAt(pane: number): void {
    this.firstPane = pane
    this.length = 0
    this.head = 0
    this.front = 0
    this.back.reset()
  }

  /** Adds a sample to pane `pane`, extending the queue with empty panes up to it if needed. */
  add(pane: number, seq: number, t: number, value: number, ingest: number): void {
    const k = pane - this.firstPane
    while (this.length <= k) {
      this.slot(this.panes, this.position(this.length)).reset()
      this.length++
    }
    const pos = this.position(k)
    this.panes[pos]!.add(seq, t, value, ingest)
    if (k >= this.front) {
      this.back.add(seq, t, value, ingest)
    } else {
      for (let j = 0; j <= k; j++) this.suffixes[this.position(j)]!.add(seq, t, value, ingest)
    }
  }

  /** Drops every pane older than `pane`. */
  evictBefore(pane: number): void {
    while (this.length > 0 && this.firstPane < pane) {
      if (this.front === 0) this.flip()
      this.front--
      this.length--
      this.firstPane++
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
    }
    if (this.length === 0) this.resetAt(Math.max(pane, this.firstPane))
  }

  /**
   * Writes the statistics of panes `from … to − 1` (pane indices; those outside the queue count as
   * empty) into `out`. O(panes in the range): for the rare look-ahead of an idle sensor, not per sample.
   */
  aggregateRange(from: number, to: number, out: RunningStats): void {
    out.reset()
    const a = Math.max(from, this.firstPane)
    const b = Math.min(to, this.firstPane + this.length)
    for (let p = a; p < b; p++) out.merge(this.panes[this.position(p - this.firstPane)]!)
  }

  /** Writes the statistics of every pane in the queue into `out`. */
  aggregate(out: RunningStats): void {
    if (this.front > 0) out.copyFrom(this.suffixes[this.head]!)
    else out.reset()
    out.merge(this.back)
  }

  /** The whole state, oldest pane first (numbers raw: the caller encodes it for JSON). */
  toState(): PaneQueueState {
    const order = Array.from({ length: this.length }, (_, k) => this.position(k))
    return {
      firstPane: this.firstPane,
      front: this.front,
      panes: order.map((p) => this.panes[p]!.toArray()),
      suffixes: order.slice(0, this.front).map((p) => this.suffixes[p]!.toArray()),
      back: this.back.toArray(),
    }
  }

  /** Restores a decoded {@link PaneQueueState}, checking its shape with `r` (`path`: where it is). */
  restoreState(r: StateReader, state: StateObject, path: string): void {
    const firstPane = r.integer(state.firstPane, `${path}.firstPane`, Number.MIN_SAFE_INTEGER)
    const panes = r.array(state.panes, `${path}.panes`)
    if (panes.length > this.capacity)
      r.fail(`${path}.panes`, `holds more than ${this.capacity} panes`)
    const front = r.integer(state.front, `${path}.front`)
    if (front > panes.length) r.fail(`${path}.front`, `is more than the ${panes.length} panes`)
    const paneStats = panes.map((x, k) => readStats(r, x, `${path}.panes[${k}]`))
    const suffixes = r.array(state.suffixes, `${path}.suffixes`, front)
    const suffixStats = suffixes.map((x, k) => readStats(r, x, `${path}.suffixes[${k}]`))
    const back = readStats(r, state.back, `${path}.back`)
    this.resetAt(firstPane)
    paneStats.forEach((stats, k) => {
      this.slot(this.panes, k).copyFrom(stats)
    })
    suffixStats.forEach((stats, k) => {
      this.slot(this.suffixes, k).copyFrom(stats)
    })
    this.back.copyFrom(back)
    this.length = panes.length
    this.front = front
  }

  private position(k: number): number {
    const pos = this.head + k
    return pos >= this.capacity ? pos - this.capacity : pos
  }

  private slot(ring: RunningStats[], pos: number): RunningStats {
    let s = ring[pos]
    if (s === undefined) {
      s = new RunningStats()
      ring[pos] = s
    }
    return s
  }

  /** Moves every pane into the front part, computing suffix aggregates from the newest pane back. */
  private flip(): void {
    let next: RunningStats | undefined
    for (let k = this.length - 1; k >= 0; k--) {
      const pos = this.position(k)
      const suffix = this.slot(this.suffixes, pos)
      suffix.copyFrom(this.panes[pos]!)
      if (next !== undefined) suffix.merge(next)
      next = suffix
    }
    this.front = this.length
    this.back.reset()
  }
}
