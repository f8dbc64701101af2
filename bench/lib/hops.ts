/**
 * @module bench/lib/hops
 * Rates and accounting between two metrics snapshots of one hop (DESIGN.md §6): samples in and out per
 * second, drops by reason, and the identity `in = out + dropped + queued` checked to the sample.
 */
import type { HopSnapshot } from './probe.js'

/** Sum of a hop's drop counters. */
export function droppedTotal(h: HopSnapshot | undefined): number {
  if (h === undefined) return 0
  return Object.values(h.dropped).reduce((a, b) => a + b, 0)
}

/** What happened at a hop between two snapshots taken `seconds` apart. */
export interface HopDelta {
  readonly inRate: number
  readonly outRate: number
  readonly dropped: number
  readonly dropRate: number
  readonly unexplainedLoss: number
}

/** Rates between `a` and `b` (the later one). */
export function hopDelta(
  a: HopSnapshot | undefined,
  b: HopSnapshot | undefined,
  seconds: number,
): HopDelta {
  if (a === undefined || b === undefined)
    return { inRate: NaN, outRate: NaN, dropped: NaN, dropRate: NaN, unexplainedLoss: NaN }
  const dropped = droppedTotal(b) - droppedTotal(a)
  const arrived = b.in - a.in
  return {
    inRate: arrived / seconds,
    outRate: (b.out - a.out) / seconds,
    dropped,
    dropRate: arrived > 0 ? dropped / arrived : 0,
    unexplainedLoss: b.unexplainedLoss ?? 0,
  }
}

/** `in − (out + dropped + queued)` of one snapshot: 0 when every sample is accounted for. */
export function identityResidual(h: HopSnapshot): number {
  return h.in - (h.out + droppedTotal(h) + h.queue.length)
}
