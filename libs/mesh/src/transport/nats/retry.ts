/**
 * @module transport/nats/retry
 * Sending a JetStream request again while the failure is a passing one: a timeout, no responders, a
 * connection closed while a client moves to another server, a stream or bucket with no leader for a
 * moment (a cluster electing one). A refusal that will not change (a full `discard: new` stream, a bad
 * request) fails at once.
 */

/** True for a refusal that sending again will not change. */
export function permanentNatsError(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err)
  return /maximum (messages|bytes)|exceeded|no stream matches|invalid|already in use|not permitted|authorization/i.test(
    text,
  )
}

/** Options of {@link retryNats}. */
export interface RetryOptions {
  /** True once the caller is closing: no more attempts. */
  readonly stopped: () => boolean
  /** Give up after this long (ms); default never. */
  readonly deadlineMs?: number
}

/** Runs `attempt` until it succeeds, fails for good, the caller stops or the deadline passes. */
export async function retryNats<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const until = options.deadlineMs === undefined ? Infinity : Date.now() + options.deadlineMs
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      if (permanentNatsError(err) || options.stopped() || Date.now() >= until) throw err
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** n, 1000)))
    }
  }
}
