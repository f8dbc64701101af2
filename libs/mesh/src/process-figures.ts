/**
 * @module process-figures
 * The `process` section of the metrics (RSS, heap, CPU, event-loop delay), measured once per process and
 * window, and shared by every metrics publisher in it.
 *
 * In `sluice up`'s one process the six services share one process and one event loop. Each publisher used
 * to read the memory and CPU itself and run its own `monitorEventLoopDelay` at 10 ms: the same figures six
 * times over, and the monitors alone woke the process at least 100 times a second, most of its 157 wakeups
 * a second at idle (voluntary context switches of the main thread of `sluice up`, issue 16). Here they are
 * measured once.
 *
 * A read closes the open window (takes its figures and starts the next) when that window is at least
 * `minWindowMs` old; a read sooner than that, by another publisher in the same interval, gets the figures
 * of the last closed window. So every publisher reports the last ≈ interval, as one alone always did.
 *
 * The delay monitor records the time between two runs of its timer, the period included, so an idle loop
 * read ≈ 10.4 ms at the usual 10 ms. This reports the lateness alone (p99 − period), and samples every
 * 50 ms: every stall of 50 ms or more is still caught, shorter ones in proportion to their length, and the
 * process wakes 20 times a second for it, not 100. On this VM each wakeup costs ≈ 75 µs of CPU, so the
 * 10 ms timer alone was 0.7 % of a core (schedstat of `sluice up --sensors 1 --rate 1` with and without).
 * The monitor runs while anyone holds it ({@link holdLoopDelayMonitor}); what it recorded stays readable
 * after, so a publisher's last metrics, sent as it stops, still have the delay.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/** The sampling period of the delay monitor, in ms. */
const RESOLUTION_MS = 50

/** The figures of one window. */
export interface ProcessFigures {
  readonly rssBytes: number
  readonly heapUsedBytes: number
  /** CPU over the window, % of one core, to 0.1. */
  readonly cpuPercent: number
  /** p99 of how late the loop ran a due timer over the window, ms (0 when not monitored). */
  readonly eventLoopDelayP99: number
}

let histogram: IntervalHistogram | undefined
let holders = 0
let openedAt = performance.now()
let cpuAtOpen = process.cpuUsage()
let last: ProcessFigures | undefined

/**
 * Starts the event-loop delay monitor, or keeps it running; returns the function that lets go of it (it
 * stops with its last holder).
 */
export function holdLoopDelayMonitor(): () => void {
  if (holders++ === 0) {
    histogram ??= monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    histogram.reset()
    histogram.enable()
  }
  let held = true
  return () => {
    if (!held) return
    held = false
    if (--holders === 0) histogram?.disable()
  }
}

/**
 * The process figures of the last window of at least `minWindowMs`, closing the open one if it is that old.
 *
 * @example
 * ```ts
 * const release = holdLoopDelayMonitor()
 * setInterval(() => console.log(readProcessFigures(500)), 1000)
 * ```
 */
export function readProcessFigures(minWindowMs: number, at = performance.now()): ProcessFigures {
  if (last !== undefined && at - openedAt < minWindowMs) return last
  const mem = process.memoryUsage()
  const cpu = process.cpuUsage(cpuAtOpen)
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / Math.max(at - openedAt, 1)) * 100
  const late = (histogram?.percentile(99) ?? NaN) / 1e6 - RESOLUTION_MS
  histogram?.reset()
  openedAt = at
  cpuAtOpen = process.cpuUsage()
  last = {
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    cpuPercent: Math.round(cpuPercent * 10) / 10,
    eventLoopDelayP99: Number.isFinite(late) ? Math.round(Math.max(0, late) * 1000) / 1000 : 0,
  }
  return last
}
