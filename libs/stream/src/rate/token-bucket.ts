/**
 * @module rate/token-bucket
 * A token bucket (rate `ratePerSecond`, depth `burst`) for the forwarder's per-sink rate limit (DESIGN.md
 * §9): a hosted dashboard that allows ~50 points/s gets at most `burst` points at once and `rate` points per
 * second on average, measured over any interval. Pure: the caller passes the time in.
 */

/** A token bucket that never goes into debt: `take` grants only what is there. */
export interface TokenBucket {
  /** Takes up to `want` tokens at time `now` (ms) and returns how many were granted (0…want). */
  take(want: number, now: number): number
  /** Milliseconds from `now` until `n` tokens will be available (0 when they already are). */
  waitFor(n: number, now: number): number
  /** Tokens available at `now`. */
  available(now: number): number
}

/**
 * Creates a token bucket that starts full.
 *
 * @example
 * const bucket = createTokenBucket({ ratePerSecond: 50, burst: 50 }, 0)
 * bucket.take(80, 0) // 50
 * bucket.waitFor(10, 0) // 200 (ms)
 */
export function createTokenBucket(
  opts: { readonly ratePerSecond: number; readonly burst: number },
  now: number,
): TokenBucket {
  const { ratePerSecond, burst } = opts
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
    throw new RangeError(`token bucket rate must be a positive number, got ${ratePerSecond}`)
  if (!(burst >= 1) || !Number.isFinite(burst))
    throw new RangeError(`token bucket burst must be at least 1, got ${burst}`)
  let tokens = burst
  let last = now
  const refill = (t: number): void => {
    // Time never runs backwards for the bucket: a clock step back must not mint tokens later.
    if (t > last) {
      tokens = Math.min(burst, tokens + ((t - last) * ratePerSecond) / 1000)
      last = t
    }
  }
  return {
    take(want, t) {
      refill(t)
      const granted = Math.min(Math.floor(tokens), Math.max(0, Math.floor(want)))
      tokens -= granted
      return granted
    },
    waitFor(n, t) {
      refill(t)
      const need = Math.min(n, burst) - tokens
      return need <= 0 ? 0 : Math.ceil((need * 1000) / ratePerSecond)
    },
    available(t) {
      refill(t)
      return Math.floor(tokens)
    },
  }
}
