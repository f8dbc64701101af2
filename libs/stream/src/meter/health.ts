/**
 * @module meter/health
 * Pure helpers that turn a hop's numbers into health signals (DESIGN.md §6): the `state` (`ok`, `warning`
 * once the queue is over 80% full, `critical` once it is over 95% full or more than 1% of arrivals are
 * dropped), Little's law L = λW, and the time left before a queue overflows at its current net fill rate.
 * They are the signals by which back-pressure reaches a producer (§5), so they live here and are tested on
 * their own.
 */

/** Hop health, as published in the metrics payload. */
export type HopState = 'ok' | 'warning' | 'critical'

/** Thresholds of {@link hopState}; the defaults are DESIGN.md §6. */
export interface HopStateThresholds {
  /** Fill fraction above which the hop is `warning`. Default 0.8. */
  readonly warningFill?: number
  /** Fill fraction above which the hop is `critical`. Default 0.95. */
  readonly criticalFill?: number
  /** Dropped / arrived above which the hop is `critical`. Default 0.01. */
  readonly criticalDropRate?: number
}

/**
 * The state of a hop from its queue fill and drop rate.
 *
 * @example
 * ```ts
 * hopState({ length: 81, capacity: 100, dropRate: 0 }) // 'warning'
 * hopState({ length: 10, capacity: 100, dropRate: 0.02 }) // 'critical'
 * ```
 */
export function hopState(
  input: { readonly length: number; readonly capacity: number; readonly dropRate: number },
  thresholds: HopStateThresholds = {},
): HopState {
  const fill = input.capacity > 0 ? input.length / input.capacity : 0
  if (fill > (thresholds.criticalFill ?? 0.95)) return 'critical'
  if (input.dropRate > (thresholds.criticalDropRate ?? 0.01)) return 'critical'
  if (fill > (thresholds.warningFill ?? 0.8)) return 'warning'
  return 'ok'
}

/**
 * Seconds until a queue is full if it keeps filling at `netRatePerSecond` (arrivals minus services);
 * `Infinity` when it is not filling, 0 when it is already full.
 *
 * @example
 * ```ts
 * timeToOverflow({ length: 95, capacity: 100, netRatePerSecond: 2 }) // 2.5
 * ```
 */
export function timeToOverflow(input: {
  readonly length: number
  readonly capacity: number
  readonly netRatePerSecond: number
}): number {
  const room = input.capacity - input.length
  if (room <= 0) return 0
  if (!(input.netRatePerSecond > 0)) return Number.POSITIVE_INFINITY
  return room / input.netRatePerSecond
}

/**
 * Little's law L = λW: the mean number in the queue from the throughput (per second) and the mean wait
 * (milliseconds). Little, "A Proof for the Queuing Formula L = λW", Operations Research 9(3), 1961.
 *
 * @example
 * ```ts
 * littlesLaw({ ratePerSecond: 200, meanWaitMs: 50 }) // 10
 * ```
 */
export function littlesLaw(input: {
  readonly ratePerSecond: number
  readonly meanWaitMs: number
}): number {
  return (input.ratePerSecond * input.meanWaitMs) / 1000
}

/**
 * Utilisation ρ = λ/μ. When nothing was served (μ = 0) it is 0 if nothing arrived either, and `Infinity`
 * otherwise (a stalled consumer); callers that serialise to JSON must map `Infinity` themselves.
 */
export function utilisation(lambda: number, mu: number): number {
  if (mu > 0) return lambda / mu
  return lambda > 0 ? Number.POSITIVE_INFINITY : 0
}
