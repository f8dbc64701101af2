/**
 * @module serial/reconnect-backoff
 * When a serial link tries its port again after a failure: exponential backoff, `initialMs · factor^attempt`
 * capped at `maxMs`, reset by a successful open. It also decides how loudly to say so: each distinct
 * problem is logged once as a warning, and the repeated retries of an unplugged board go to debug, so the
 * log is not flooded. It also remembers since when the port has been down, for the message when it is back.
 */
import type { BridgeLogger } from '../logger.js'
import type { BackoffOptions } from './serial-link.js'

/** The retry schedule of one serial link. */
export interface ReconnectBackoff {
  /** Counts a failed attempt because of `problem`, logs it, and returns the delay before the next one. */
  next(problem: string): number
  /** Notes that the port went down now, unless it already was. */
  markDown(): void
  /**
   * Starts again from the initial delay (after a successful open); returns how long the port was down
   * (0 when it never was).
   */
  reset(): number
}

/** Creates a {@link ReconnectBackoff} for the port at `path`. */
export function createReconnectBackoff(
  path: string,
  backoff: BackoffOptions | undefined,
  log: BridgeLogger,
  now: () => number,
): ReconnectBackoff {
  const initialMs = backoff?.initialMs ?? 500
  const maxMs = backoff?.maxMs ?? 10_000
  const factor = backoff?.factor ?? 2
  let attempt = 0
  let lastProblem = ''
  let downSince = 0
  return {
    next(problem) {
      const delay = Math.min(maxMs, initialMs * factor ** attempt)
      attempt++
      if (problem !== lastProblem) {
        // Log each distinct problem once; the repeated retries of an unplugged board go to debug.
        log.warn(
          { port: path, retryInMs: delay },
          `${problem}. Retrying in ${formatMs(delay)}, with backoff up to ${formatMs(maxMs)}.`,
        )
        lastProblem = problem
      } else {
        log.debug({ port: path, retryInMs: delay, attempt }, `retrying ${path}`)
      }
      return delay
    },
    markDown() {
      if (downSince === 0) downSince = now()
    },
    reset() {
      const wasDown = downSince > 0 ? now() - downSince : 0
      attempt = 0
      lastProblem = ''
      downSince = 0
      return wasDown
    },
  }
}

/** A duration for people: `750 ms`, `2.5 s`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`
}
