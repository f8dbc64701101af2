/**
 * @module lab/theory
 * The answers theory gives to the lab's questions, next to which every experiment prints what it
 * measured: window overlap and the work it costs, time to overflow, the loss of a queue fed faster than
 * it is served, Little's law, the line rate a serial link can carry, and what aggregation saves. Pure
 * arithmetic; the queueing formulas come from `@sluice/stream`, which the services use too.
 */
import { littlesLaw, timeToOverflow } from '@sluice/stream'

export { littlesLaw, timeToOverflow }

/** A count window's stride for a size and an overlap fraction (0 … <1): at least 1 sample. */
export function strideFor(size: number, overlap: number): number {
  return Math.max(1, Math.round(size * (1 - overlap)))
}

/** The overlap a size and stride give: (size − stride) / size (DESIGN.md §7). */
export function overlapOf(size: number, stride: number): number {
  return (size - stride) / size
}

/**
 * Window results per input sample, relative to tumbling windows of the same size: size / stride. At 75 %
 * overlap that is 4 (the "4× more computation" claim), at 90 % it is 10.
 */
export function workFactor(size: number, stride: number): number {
  return size / stride
}

/**
 * The share of arrivals a full queue must shed in steady state when λ arrive and μ are served per second:
 * 1 − μ/λ (0 when μ ≥ λ). At 2× (λ = 2μ) it is 50 %, whatever the drop policy.
 */
export function steadyDropRate(lambda: number, mu: number): number {
  return lambda > mu ? 1 - mu / lambda : 0
}

/**
 * Lines per second a UART link carries: each byte is 10 bits on the wire (start, 8 data, stop), so
 * baud / 10 bytes per second, divided by the bytes of a line (its `\n` included). 9 600 baud and 5-byte
 * lines: 192 lines/s; 115 200 baud: 2 304.
 */
export function serialLinesPerSecond(baud: number, lineBytes: number): number {
  return baud / 10 / lineBytes
}

/** The points per second a sink receives from `rateHz` raw samples, or from windows emitted every `everyMs`. */
export function pointsPerSecond(input: { rateHz: number } | { everyMs: number }): number {
  return 'rateHz' in input ? input.rateHz : 1000 / input.everyMs
}

/** Seconds a token bucket of `burst` points, refilled at `limit`/s, lets `rate`/s through before it limits. */
export function secondsBeforeLimit(rate: number, limit: number, burst: number): number {
  return rate > limit ? burst / (rate - limit) : Number.POSITIVE_INFINITY
}
