/**
 * @module loop-delay
 * One event-loop-delay monitor per process, shared by every metrics publisher in it.
 *
 * `monitorEventLoopDelay` samples the loop with a timer of its own, every `resolution` ms. In `sluice up`'s
 * one process the six services share one event loop, and six monitors at 10 ms measured the same thing six
 * times over, waking the process at least 100 times a second: most of its 157 wakeups a second at idle
 * (voluntary context switches of the main thread of `sluice up`, issue 16). One monitor measures it once.
 *
 * The monitor records the time between two runs of its timer, the period included, so an idle loop read
 * ≈ 10.4 ms at the usual 10 ms. This reports the lateness alone (p99 − period), and samples every 50 ms:
 * every stall of 50 ms or more is still caught, shorter ones in proportion to their length, and the
 * process wakes 20 times a second for it, not 100. On this VM each wakeup costs ≈ 75 µs of CPU, so the
 * 10 ms timer alone was 0.7 % of a core (schedstat of `sluice up --sensors 1 --rate 1` with and without).
 *
 * Each read gives the p99 of one window of the shared histogram. A read closes the open window (takes its
 * p99 and resets it) when that window is at least `minWindowMs` old; a read sooner than that, by another
 * publisher in the same interval, gets the value of the last closed window. So every publisher reports
 * the p99 of the last ≈ interval, as a publisher alone in its process always did.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/** The sampling period of the monitor, in ms. */
const RESOLUTION_MS = 50

/** A reader of the process's event-loop delay. */
export interface LoopDelayReader {
  /**
   * p99 of the event-loop delay in ms (how late the loop ran a due timer) over the last window of at least
   * `minWindowMs`; 0 before any.
   */
  p99Ms(minWindowMs: number): number
  /** Stops reading; the monitor stops with its last reader. */
  release(): void
}

interface Shared {
  readonly histogram: IntervalHistogram
  readers: number
  openedAt: number
  lastP99Ms: number
}

let shared: Shared | undefined

/**
 * Starts reading the process's event-loop delay (the monitor starts with its first reader).
 *
 * @example
 * ```ts
 * const loop = acquireLoopDelay()
 * setInterval(() => console.log(loop.p99Ms(500)), 1000)
 * ```
 */
export function acquireLoopDelay(now: () => number = () => performance.now()): LoopDelayReader {
  if (shared === undefined) {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    histogram.enable()
    shared = { histogram, readers: 0, openedAt: now(), lastP99Ms: 0 }
  }
  const s = shared
  s.readers++
  let released = false
  return {
    p99Ms(minWindowMs) {
      const at = now()
      if (at - s.openedAt >= minWindowMs) {
        const late = s.histogram.percentile(99) / 1e6 - RESOLUTION_MS
        s.lastP99Ms = Number.isFinite(late) ? Math.max(0, late) : 0
        s.histogram.reset()
        s.openedAt = at
      }
      return s.lastP99Ms
    },
    release() {
      if (released) return
      released = true
      if (--s.readers > 0) return
      s.histogram.disable()
      if (shared === s) shared = undefined
    },
  }
}
