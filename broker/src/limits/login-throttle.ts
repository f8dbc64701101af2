/**
 * @module limits/login-throttle
 * Throttling of failed logins per remote address (issue 11, item 7). Each password check costs a full
 * scrypt (tens of milliseconds of a libuv thread, by design), so 500 wrong passwords at once queued a
 * valid client's check behind them for 10 s. Each address has a token bucket: a login attempt takes a
 * token before the check starts, and a successful one gives it back, so only failures (and attempts in
 * flight) spend the bucket. An address with no token left is refused at once, without a check, until the
 * bucket refills. A legitimate host that restarts all its services at once spends nothing; a guesser
 * gets `burst` tries, then `perMinute`. The lock-out is per address, never per user name, so a guesser
 * cannot lock a real user out (the advice of OWASP's authentication cheat sheet, and what fail2ban does
 * for Mosquitto, which has no throttle of its own).
 */

/** Options of {@link createLoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failed (or in-flight) logins an address may have before it waits. */
  readonly burst: number
  /** Refill rate, in logins per minute. */
  readonly perMinute: number
  /** Most addresses remembered; the least recently seen is forgotten beyond it. Default 10 000. */
  readonly maxAddresses?: number
}

/** A login throttle. */
export interface LoginThrottle {
  /**
   * Takes a token for a login attempt from `address`: 0 when the attempt may go ahead, or the
   * milliseconds until it could.
   */
  attempt(address: string, nowMs: number): number
  /** Gives back the token of an attempt that succeeded. */
  succeeded(address: string): void
  /** Addresses currently remembered. */
  readonly size: number
}

interface Bucket {
  tokens: number
  last: number
}

/**
 * Creates a per-address login throttle.
 *
 * @example
 * ```ts
 * const throttle = createLoginThrottle({ burst: 10, perMinute: 30 })
 * if (throttle.attempt('192.0.2.7', Date.now()) > 0) refuse()
 * else if (await verify()) throttle.succeeded('192.0.2.7')
 * ```
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const buckets = new Map<string, Bucket>()
  const maxAddresses = options.maxAddresses ?? 10_000
  const perMs = options.perMinute / 60_000

  function refill(bucket: Bucket, nowMs: number): void {
    bucket.tokens = Math.min(options.burst, bucket.tokens + (nowMs - bucket.last) * perMs)
    bucket.last = nowMs
  }

  return {
    attempt(address, nowMs) {
      let bucket = buckets.get(address)
      if (bucket === undefined) {
        bucket = { tokens: options.burst, last: nowMs }
        if (buckets.size >= maxAddresses) {
          const oldest = buckets.keys().next().value
          if (oldest !== undefined) buckets.delete(oldest)
        }
      } else {
        buckets.delete(address) // re-inserted below: the map stays in least-recently-seen order
        refill(bucket, nowMs)
      }
      buckets.set(address, bucket)
      if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / perMs)
      bucket.tokens -= 1
      return 0
    },
    succeeded(address) {
      const bucket = buckets.get(address)
      if (bucket !== undefined) bucket.tokens = Math.min(options.burst, bucket.tokens + 1)
    },
    get size() {
      return buckets.size
    },
  }
}
