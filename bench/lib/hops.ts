/**
 * @module bench/lib/hops
 * Rates and accounting between two metrics snapshots of one hop (DESIGN.md §6): samples in and out per
 * second, drops by reason, and the identity `in = out + dropped + queued` checked to the sample.
 */
import type { HopSnapshot, MetricsSnapshot } from './probe.js'

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

/**
 * Rates of hop `name` of one service between two of its metrics snapshots, over the interval between their
 * own stamps. A service publishes its metrics once a second, each at its own moment, so the snapshots a
 * caller holds at the ends of its wall-clock window are up to a second older than them, and dividing by
 * that window would misstate a rate by up to one interval in it (1/8 over 8 s).
 */
export function serviceHopDelta(
  a: Pick<MetricsSnapshot, 't' | 'hops'> | undefined,
  b: Pick<MetricsSnapshot, 't' | 'hops'> | undefined,
  name: string,
): HopDelta {
  const seconds = a === undefined || b === undefined ? NaN : (b.t - a.t) / 1000
  return hopDelta(a?.hops[name], b?.hops[name], seconds)
}

/** `in − (out + dropped + queued)` of one snapshot: 0 when every sample is accounted for. */
export function identityResidual(h: HopSnapshot): number {
  return h.in - (h.out + droppedTotal(h) + h.queue.length)
}
