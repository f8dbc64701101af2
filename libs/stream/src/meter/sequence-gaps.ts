/**
 * @module meter/sequence-gaps
 * Per-sensor sequence-gap tracking (DESIGN.md §6). Devices number their samples, so a consumer that sees
 * seq 7 after seq 4 knows two samples went missing somewhere upstream of it. The tracker counts gaps
 * (missing sequence numbers), duplicates, reorders (a late sample that fills a gap counted earlier, which
 * then no longer counts) and resets (a device restart: seq goes back to about 0). **Unexplained loss** is
 * the gaps minus the drops the mesh counted itself, and should be zero on QoS 1 hops. Memory is bounded:
 * a fixed number of missing seqs is remembered per key for reorder detection.
 */

/** Counts for one sensor key, or totals over all keys. */
export interface SequenceGapCounts {
  /** Samples seen. */
  readonly seen: number
  /** Missing sequence numbers (net of the ones that later arrived out of order). */
  readonly gaps: number
  readonly duplicates: number
  /** Late samples that filled an earlier gap. */
  readonly reordered: number
  /** Device restarts detected (seq went back to near 0). */
  readonly resets: number
}

/** Options for {@link createSequenceGapTracker}. */
export interface SequenceGapTrackerOptions {
  /** A seq at or below this value after a higher one is a device restart. Default 16. */
  readonly resetBelow?: number
  /** Missing seqs remembered per key to recognise reorders. Default 64. */
  readonly maxTrackedMissing?: number
  /** Keys tracked at most; the least recently created key is forgotten beyond it. Default 100 000. */
  readonly maxKeys?: number
}

/** A per-key sequence tracker. */
export interface SequenceGapTracker {
  /** Observes sample `seq` of sensor `key`. */
  observe(key: string, seq: number): void
  /** Counts for one key (all zero if unknown). */
  get(key: string): SequenceGapCounts
  /** Totals over all keys. */
  totals(): SequenceGapCounts
  /**
   * Stops tracking `key`, keeping its counts in the totals: its next sample starts afresh (a sensor this
   * consumer gave up and may take back later, when its numbering has moved on elsewhere).
   */
  forget(key: string): void
  /** Keys tracked now. */
  readonly keys: number
}

interface KeyState {
  last: number
  missing: Set<number>
  seen: number
  gaps: number
  duplicates: number
  reordered: number
  resets: number
}

const ZERO: SequenceGapCounts = { seen: 0, gaps: 0, duplicates: 0, reordered: 0, resets: 0 }

/**
 * Creates a sequence-gap tracker.
 *
 * @example
 * ```ts
 * const t = createSequenceGapTracker()
 * for (const seq of [1, 2, 5, 3]) t.observe('dev1/temp', seq)
 * t.get('dev1/temp') // { seen: 4, gaps: 1, duplicates: 0, reordered: 1, resets: 0 }
 * ```
 */
export function createSequenceGapTracker(
  options: SequenceGapTrackerOptions = {},
): SequenceGapTracker {
  const resetBelow = options.resetBelow ?? 16
  const maxMissing = options.maxTrackedMissing ?? 64
  const maxKeys = options.maxKeys ?? 100_000
  const states = new Map<string, KeyState>()
  // Totals of keys forgotten under maxKeys, so totals never go down.
  const forgotten = { seen: 0, gaps: 0, duplicates: 0, reordered: 0, resets: 0 }

  function remember(s: KeyState, seq: number): void {
    s.missing.add(seq)
    if (s.missing.size > maxMissing) {
      // Sets iterate in insertion order: forget the oldest missing seq.
      const oldest = s.missing.values().next().value
      if (oldest !== undefined) s.missing.delete(oldest)
    }
  }

  function forget(key: string): void {
    const old = states.get(key)
    if (old === undefined) return
    forgotten.seen += old.seen
    forgotten.gaps += old.gaps
    forgotten.duplicates += old.duplicates
    forgotten.reordered += old.reordered
    forgotten.resets += old.resets
    states.delete(key)
  }

  return {
    forget,
    observe(key: string, seq: number): void {
      let s = states.get(key)
      if (s === undefined) {
        if (states.size >= maxKeys) {
          const oldKey = states.keys().next().value
          if (oldKey !== undefined) forget(oldKey)
        }
        s = {
          last: seq,
          missing: new Set(),
          seen: 1,
          gaps: 0,
          duplicates: 0,
          reordered: 0,
          resets: 0,
        }
        states.set(key, s)
        return
      }
      s.seen++
      if (seq > s.last) {
        const gap = seq - s.last - 1
        if (gap > 0) {
          s.gaps += gap
          for (let m = Math.max(s.last + 1, seq - maxMissing); m < seq; m++) remember(s, m)
        }
        s.last = seq
      } else if (s.missing.delete(seq)) {
        s.gaps--
        s.reordered++
      } else if (seq <= resetBelow && s.last - seq > resetBelow) {
        // A restart: the new numbering starts here; what the device lost while rebooting is unknowable.
        s.resets++
        s.last = seq
        s.missing.clear()
      } else {
        s.duplicates++
      }
    },
    get(key: string): SequenceGapCounts {
      const s = states.get(key)
      if (s === undefined) return ZERO
      return {
        seen: s.seen,
        gaps: s.gaps,
        duplicates: s.duplicates,
        reordered: s.reordered,
        resets: s.resets,
      }
    },
    totals(): SequenceGapCounts {
      const t = { ...forgotten }
      for (const s of states.values()) {
        t.seen += s.seen
        t.gaps += s.gaps
        t.duplicates += s.duplicates
        t.reordered += s.reordered
        t.resets += s.resets
      }
      return t
    },
    get keys() {
      return states.size
    },
  }
}

/**
 * Unexplained loss (DESIGN.md §6): missing sequence numbers that no counted drop accounts for. Clamped at
 * 0, because drops at the tail of a stream are counted before any later seq reveals them as gaps.
 *
 * @example
 * ```ts
 * unexplainedLoss({ gaps: 12, countedDrops: 10 }) // 2
 * ```
 */
export function unexplainedLoss(input: {
  readonly gaps: number
  readonly countedDrops: number
}): number {
  return Math.max(0, input.gaps - input.countedDrops)
}
