/**
 * @module rate/backoff
 * Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015), and
 * the parsing of an HTTP `Retry-After` header (RFC 9110 §10.2.3), which wins over our own schedule when a
 * sink sends one. Pure: randomness and time are passed in.
 */

/** Backoff settings: the first delay, the cap, and the growth factor. */
export interface BackoffOptions {
  readonly baseMs: number
  readonly maxMs: number
  readonly factor?: number
}

/**
 * Delay before retry number `attempt` (1-based): uniformly random in [0, min(max, base·factor^(attempt−1))],
 * so that many clients failing together do not retry together.
 *
 * @example
 * backoffDelay(3, { baseMs: 500, maxMs: 30_000 }, Math.random) // somewhere in [0, 2000]
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * (opts.factor ?? 2) ** Math.max(0, attempt - 1))
  return Math.round(random() * ceiling)
}

/**
 * Parses `Retry-After` (delay-seconds or an HTTP-date) into milliseconds from `now`; undefined when absent
 * or unparsable.
 *
 * @example
 * parseRetryAfter('120', 0) // 120000
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
