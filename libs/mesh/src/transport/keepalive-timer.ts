/**
 * @module transport/keepalive-timer
 * The keepalive timer of one mqtt.js client (its `timerVariant` option). mqtt.js rearms its keepalive
 * on every acknowledgement it receives, by clearing its interval and setting a new one: at 250 000
 * samples/s in one process that was 4 000 new timers a second (issue 16). Here a clear followed at once by
 * a set restarts the same interval (`refresh`), so the keepalive behaves exactly as mqtt.js's own: while
 * acknowledgements flow no PINGREQ is needed, and a silent link is pinged and then given up on as before.
 */

/** The shape mqtt.js asks of a `timerVariant` (its `Timer`): ids are opaque to it. */
export interface KeepaliveTimer {
  set(callback: () => void, ms?: number): number
  clear(id: number): void
}

/**
 * The id every set returns: there is one interval per timer, so one id names it. It must be truthy:
 * mqtt.js clears only `if (this.timerId)`, and a skipped clear would keep its process open.
 */
const TIMER_ID = 1

/**
 * A timer for one client: one interval at a time, restarted rather than replaced. A clear that no set
 * follows stops it: the interval no longer holds the process open, calls nothing, and ends itself on its
 * next tick.
 *
 * @example
 * new MqttClient(stream, { keepalive: 30, timerVariant: createKeepaliveTimer() })
 */
export function createKeepaliveTimer(): KeepaliveTimer {
  let interval: NodeJS.Timeout | undefined
  let period = 0
  let callback: (() => void) | undefined
  const tick = (): void => {
    if (callback !== undefined) callback()
    else if (interval !== undefined) {
      clearInterval(interval)
      interval = undefined
    }
  }
  return {
    set(cb, ms = 0) {
      callback = cb
      if (interval !== undefined && ms === period) {
        interval.ref()
        interval.refresh()
        return TIMER_ID
      }
      if (interval !== undefined) clearInterval(interval)
      period = ms
      interval = setInterval(tick, ms)
      return TIMER_ID
    },
    clear() {
      callback = undefined
      interval?.unref()
    },
  }
}
