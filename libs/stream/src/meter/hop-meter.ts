/**
 * @module meter/hop-meter
 * Everything a hop measures about its queue, in one place (DESIGN.md §6): arrival rate λ and service rate μ
 * over a sliding window, utilisation ρ = λ/μ, the mean wait W of what left the queue, Little's L next to the
 * measured time-average queue length (two independent numbers that must agree in a steady state, so a gap
 * between them points at a metering bug), latency percentiles from `ingest`, the drop rate and the state.
 * μ is the service *capacity*: samples served per second of busy handler time, so ρ is a true utilisation
 * and not just throughput over itself. Time is passed in; no timers.
 */
import { hopState, littlesLaw, timeToOverflow, utilisation, type HopState } from './health.js'
import { createLatencyHistogram, type LatencyPercentiles } from './latency-histogram.js'
import { createRateMeter } from './rate-meter.js'

/** Options for {@link createHopMeter}. */
export interface HopMeterOptions {
  /** Sliding window for λ and μ, in ms. Default 5000. */
  readonly windowMs?: number
  /** Start of the first interval (ms). */
  readonly now: number
}

/** The queue's cumulative counters at snapshot time (from `BoundedQueue.counters()` and the queue). */
export interface HopQueueReading {
  readonly length: number
  readonly capacity: number
  /** Cumulative arrivals (samples). */
  readonly arrived: number
  /** Cumulative drops (samples), all reasons. */
  readonly dropped: number
}

/** One interval's measurements. Rates are per second, times in ms. */
export interface HopMeterSnapshot {
  /** Interval length in ms. */
  readonly intervalMs: number
  /** Arrival rate λ (samples/s, sliding window). */
  readonly lambda: number
  /** Service rate μ (samples per second of busy handler time, sliding window). */
  readonly mu: number
  /** ρ = λ/μ (`Infinity` when arrivals meet a stalled consumer). */
  readonly rho: number
  /** Throughput over the interval (samples/s). */
  readonly throughput: number
  /** Mean wait in the queue of the samples that left it during the interval. */
  readonly meanWaitMs: number
  /** Little's L = throughput × W. */
  readonly littlesL: number
  /** Time-average queue length over the interval, measured. */
  readonly meanQueueLength: number
  /** Dropped / arrived over the interval. */
  readonly dropRate: number
  /** Seconds until the queue is full at λ minus the departure rate, `Infinity` when not filling. */
  readonly timeToOverflowS: number
  readonly latency: LatencyPercentiles
  readonly state: HopState
}

/** A hop's meter. */
export interface HopMeter {
  /** `count` samples arrived at `now`. */
  arrive(now: number, count: number): void
  /**
   * `count` samples left the queue and were handled in `busyMs` of handler time, after waiting `waitMs`
   * each on average in the queue.
   */
  serve(now: number, count: number, waitMs: number, busyMs: number): void
  /** The queue length changed to `length` at `now` (it is integrated as a step function). */
  observeLength(now: number, length: number): void
  /** One end-to-end latency (from `ingest`), in ms. */
  recordLatency(ms: number): void
  /** Closes the interval at `now`, returns its measurements and starts the next one. */
  snapshot(now: number, queue: HopQueueReading): HopMeterSnapshot
}

/**
 * Creates a hop meter.
 *
 * @example
 * ```ts
 * const m = createHopMeter({ now: 0 })
 * m.arrive(0, 10); m.observeLength(0, 10)
 * m.serve(100, 10, 50, 20); m.observeLength(100, 0)
 * m.snapshot(1000, { length: 0, capacity: 100, arrived: 10, dropped: 0 }).meanQueueLength // 1
 * ```
 */
export function createHopMeter(options: HopMeterOptions): HopMeter {
  const windowMs = options.windowMs ?? 5000
  const arrivals = createRateMeter({ windowMs })
  const served = createRateMeter({ windowMs })
  const busy = createRateMeter({ windowMs })
  const latency = createLatencyHistogram()

  let intervalStart = options.now
  let lastLengthAt = options.now
  let lastLength = 0
  let lengthArea = 0
  let waitSum = 0
  let servedInInterval = 0
  let prevArrived = 0
  let prevDropped = 0

  function integrate(now: number): void {
    if (now > lastLengthAt) {
      lengthArea += lastLength * (now - lastLengthAt)
      lastLengthAt = now
    }
  }

  return {
    arrive(now, count) {
      arrivals.record(now, count)
    },
    serve(now, count, waitMs, busyMs) {
      served.record(now, count)
      // A wall clock stepped back between two readings makes a difference negative: no time passed.
      busy.record(now, Math.max(0, busyMs))
      waitSum += Math.max(0, waitMs) * count
      servedInInterval += count
    },
    observeLength(now, length) {
      integrate(now)
      lastLength = length
    },
    recordLatency(ms) {
      latency.record(ms)
    },
    snapshot(now, queue) {
      integrate(now)
      const intervalMs = Math.max(now - intervalStart, 1)
      const lambda = arrivals.rate(now)
      const servedRate = served.rate(now)
      const busyMsPerS = busy.rate(now)
      // μ = served per busy second; with no busy time measured (instant handlers) fall back to throughput.
      const mu = busyMsPerS > 0 ? (servedRate * 1000) / busyMsPerS : servedRate
      const throughput = (servedInInterval * 1000) / intervalMs
      const meanWaitMs = servedInInterval > 0 ? waitSum / servedInInterval : 0
      const arrivedDelta = queue.arrived - prevArrived
      const droppedDelta = queue.dropped - prevDropped
      const dropRate = arrivedDelta > 0 ? droppedDelta / arrivedDelta : 0
      const snap: HopMeterSnapshot = {
        intervalMs,
        lambda,
        mu,
        rho: utilisation(lambda, mu),
        throughput,
        meanWaitMs,
        littlesL: littlesLaw({ ratePerSecond: throughput, meanWaitMs }),
        meanQueueLength: lengthArea / intervalMs,
        dropRate,
        timeToOverflowS: timeToOverflow({
          length: queue.length,
          capacity: queue.capacity,
          netRatePerSecond: lambda - servedRate,
        }),
        latency: latency.percentiles(),
        state: hopState({ length: queue.length, capacity: queue.capacity, dropRate }),
      }
      intervalStart = now
      lengthArea = 0
      waitSum = 0
      servedInInterval = 0
      prevArrived = queue.arrived
      prevDropped = queue.dropped
      latency.reset()
      return snap
    },
  }
}
