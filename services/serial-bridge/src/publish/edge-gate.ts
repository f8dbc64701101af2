/**
 * @module publish/edge-gate
 * The fallback of backpressure to the producer (DESIGN.md §5): a device that does not answer rate commands
 * cannot be slowed down, so the bridge itself lets through only the rate the governor wanted and drops the
 * rest at the edge, counted. A token bucket on the time each line was read: `hz` tokens per second, at
 * most one second's worth in hand, so that lines arriving in bursts (a USB serial adapter delivers them in
 * chunks) still pass at `hz` on average. Pure: time is passed in.
 */

/** A rate limit on lines, applied only while a rate is given. */
export interface EdgeGate {
  /** Whether a line read at `now` passes; `hz` undefined: no limit (and the bucket starts full again). */
  admit(hz: number | undefined, now: number): boolean
}

/**
 * Creates an edge gate.
 *
 * @example
 * ```ts
 * const gate = createEdgeGate()
 * if (!gate.admit(governor.edgeHz, ingest)) edgeDropped += values.length
 * ```
 */
export function createEdgeGate(): EdgeGate {
  let tokens = 0
  let last: number | undefined
  return {
    admit(hz, now) {
      if (hz === undefined || hz <= 0) {
        last = undefined
        return true
      }
      const burst = Math.max(1, hz)
      tokens = last === undefined ? burst : Math.min(burst, tokens + ((now - last) * hz) / 1000)
      last = now
      if (tokens < 1) return false
      tokens -= 1
      return true
    },
  }
}
