/**
 * @module limits/rate-limiter
 * The per-client message rate limit (DESIGN.md §11). A token bucket that, instead of refusing a message
 * over the rate, tells how long to hold it: the broker delays that client's PUBLISH, so Aedes stops
 * reading its socket and TCP slows the sender down. Nothing is lost and only that client waits.
 */

/** A token bucket in messages. */
export interface RateLimiter {
  /** Takes one token; returns 0 when one was available, or the milliseconds to wait for it. */
  take(nowMs: number): number
}

/**
 * Creates a token bucket holding `burst` tokens, refilled at `perSecond`.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter(100, 10)
 * limiter.take(performance.now()) // 0 while the burst lasts, then ~10 ms per message
 * ```
 */
export function createRateLimiter(perSecond: number, burst: number): RateLimiter {
  let tokens = burst
  let last: number | undefined
  return {
    take(nowMs) {
      if (last !== undefined) tokens = Math.min(burst, tokens + ((nowMs - last) * perSecond) / 1000)
      last = nowMs
      tokens -= 1
      // A negative balance is a reservation: the caller waits until the bucket is back at zero.
      return tokens >= 0 ? 0 : (-tokens * 1000) / perSecond
    },
  }
}
