/**
 * @module windows/spec
 * Window specifications (DESIGN.md §7) as a discriminated union, their validation, and the rules that
 * classify them. The windowing service builds its operators from config through these, so a bad window in a
 * config fails at start with a message that says what to change.
 */
import { StreamError, StreamErrorCode } from '../errors.js'
import type { WindowKind } from './aggregate.js'

/** The last `size` samples, emitted every `stride` samples (`stride` = `size`: tumbling; 1: sliding). */
export interface CountWindowSpec {
  readonly type: 'count'
  readonly size: number
  readonly stride: number
}

/**
 * Windows `[k·every, k·every + length)` of event time, in milliseconds. Samples up to `allowedLateness` ms
 * behind the latest event time are still accepted; later ones are counted as late and dropped.
 */
export interface TimeWindowSpec {
  readonly type: 'time'
  readonly length: number
  readonly every: number
  readonly allowedLateness: number
}

/** Runs of samples with less than `gap` ms of event time between them, each shorter than `maxDuration`. */
export interface SessionWindowSpec {
  readonly type: 'session'
  readonly gap: number
  readonly maxDuration: number
}

/** Any window specification. */
export type WindowSpec = CountWindowSpec | TimeWindowSpec | SessionWindowSpec

/**
 * Time windows are computed from panes of `gcd(length, every)` ms; a window spans `length / gcd` of them.
 * Past this many panes the memory of one window would be unreasonable, and the config is almost certainly a
 * mistake (an `every` that does not divide `length`).
 */
export const MAX_PANES_PER_WINDOW = 100_000

/**
 * The largest event time (in absolute value, ms) a time window or session takes: 2^52 ms, about 142 000
 * years. Window and pane indices (`t / every`) then stay exact integers, so `index + 1` always moves on;
 * above 2^53 it does not, and a loop over window indices would never end. Samples outside are rejected
 * (`rejectedCount`). The contract's `TimeMs` range is far narrower; this guard holds whatever the caller.
 */
export const MAX_EVENT_TIME_MS = 2 ** 52

/** True when `t` is an event time windows can take: finite, and within ±{@link MAX_EVENT_TIME_MS}. */
export function isWindowTime(t: number): boolean {
  return t >= -MAX_EVENT_TIME_MS && t <= MAX_EVENT_TIME_MS
}

/** Greatest common divisor of two positive integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b
    a = b
    b = r
  }
  return a
}

/**
 * The fraction of a count window that the next window shares: `(size − stride) / size`.
 *
 * @example
 * ```ts
 * overlap(100, 25) // 0.75
 * overlap(100, 100) // 0 (tumbling)
 * ```
 */
export function overlap(size: number, stride: number): number {
  return (size - stride) / size
}

/**
 * The kind a spec's aggregates report: count windows are `tumbling` when `stride` = `size`, `sliding` when
 * `stride` = 1 and `hopping` otherwise; time windows are `tumbling` when `every` = `length` and `hopping`
 * otherwise; sessions are `session`.
 */
export function windowKind(spec: WindowSpec): WindowKind {
  switch (spec.type) {
    case 'count':
      return spec.stride === spec.size ? 'tumbling' : spec.stride === 1 ? 'sliding' : 'hopping'
    case 'time':
      return spec.every === spec.length ? 'tumbling' : 'hopping'
    case 'session':
      return 'session'
  }
}

function invalid(name: string, problem: string): StreamError {
  return new StreamError(StreamErrorCode.InvalidWindowSpec, `Window "${name}": ${problem}`)
}

function checkInteger(name: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(name, `${field} must be an integer ≥ ${min}, got ${JSON.stringify(value)}.`)
  }
  return value
}

function checkDuration(name: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(
      name,
      `${field} must be a finite number of milliseconds ≥ ${min}, got ${JSON.stringify(value)}.`,
    )
  }
  return value
}

/**
 * Checks a window spec and returns a frozen copy of it, or throws a {@link StreamError} with code
 * `SLUICE_ERR_WINDOW_INVALID_SPEC` that says which parameter is wrong and how to fix it.
 *
 * @example
 * ```ts
 * validateWindowSpec('w1s', { type: 'time', length: 1000, every: 250, allowedLateness: 200 })
 * validateWindowSpec('bad', { type: 'count', size: 10, stride: 20 }) // throws: stride must be ≤ size
 * ```
 */
export function validateWindowSpec(name: string, spec: WindowSpec): WindowSpec {
  const raw = spec as unknown as Record<string, unknown> | null
  if (typeof raw !== 'object' || raw === null) {
    throw invalid(name, `the spec must be an object, got ${JSON.stringify(raw)}.`)
  }
  switch (raw.type) {
    case 'count': {
      const size = checkInteger(name, 'size', raw.size, 1)
      const stride = checkInteger(name, 'stride', raw.stride, 1)
      if (stride > size) {
        throw invalid(
          name,
          `stride (${stride}) must be ≤ size (${size}); a larger stride would skip samples. ` +
            `Use stride = size for tumbling windows.`,
        )
      }
      return Object.freeze({ type: 'count', size, stride })
    }
    case 'time': {
      const length = checkInteger(name, 'length', raw.length, 1)
      const every = checkInteger(name, 'every', raw.every, 1)
      const allowedLateness = checkDuration(name, 'allowedLateness', raw.allowedLateness, 0)
      if (every > length) {
        throw invalid(
          name,
          `every (${every} ms) must be ≤ length (${length} ms); a larger step would skip samples. ` +
            `Use every = length for tumbling windows.`,
        )
      }
      const panes = length / gcd(length, every)
      if (panes > MAX_PANES_PER_WINDOW) {
        throw invalid(
          name,
          `length ${length} ms and every ${every} ms have a greatest common divisor of only ` +
            `${gcd(length, every)} ms, so each window would need ${panes} panes ` +
            `(limit ${MAX_PANES_PER_WINDOW}). Choose an every that divides length.`,
        )
      }
      return Object.freeze({ type: 'time', length, every, allowedLateness })
    }
    case 'session': {
      const gap = checkDuration(name, 'gap', raw.gap, Number.MIN_VALUE)
      const maxDuration = checkDuration(name, 'maxDuration', raw.maxDuration, Number.MIN_VALUE)
      return Object.freeze({ type: 'session', gap, maxDuration })
    }
    default:
      throw invalid(
        name,
        `type must be "count", "time" or "session", got ${JSON.stringify(raw.type)}.`,
      )
  }
}
