/**
 * @module sources/sim-source
 * Simulated sensors as a source (DESIGN.md §10): the pure simulator of `@sluice/stream`, driven by a timer
 * with the wall clock, so its event times track real time. Each device gets the configured channels, each a
 * sine + trend + noise with its own phase and noise stream, and optionally an anomaly about every N
 * samples (spike, shift, drift in turn; shifts and drifts alternate in sign so a long run stays near its
 * base). A simulated device can wait, unlike a real one: while the outbound queue is over 90% full the
 * simulation pauses, and it catches up afterwards no faster than the queue has room (a pause of a second
 * at 100 000 samples/s is ten times the default queue), so nothing is lost to backpressure.
 */
import {
  createSimulator,
  planAnomalies,
  type InjectedAnomaly,
  type SimDeviceSpec,
  type Simulator,
} from '@sluice/stream'
import { silentLogger, type BridgeLogger } from '../logger.js'
import { rowsThatFit, type BridgeSource, type RateOutcome, type SourceSink } from './source.js'
import { epochMs } from '@sluice/contract'

/** Options of {@link createSimSource}. */
export interface SimSourceOptions {
  readonly devices: readonly string[]
  readonly channels: readonly string[]
  readonly rateHz: number
  readonly seed: number
  readonly base: number
  readonly amplitude: number
  readonly periodMs: number
  readonly trendPerSecond: number
  readonly noiseStd: number
  /** One anomaly about every N samples per channel; 0 for none. */
  readonly anomalyEvery: number
  readonly spike: number
  readonly shift: number
  readonly drift: number
  readonly tickMs: number
  readonly logger?: BridgeLogger
  readonly now?: () => number
}

/** A simulator source; `injected()` tells where anomalies were put, for checking detectors. */
export interface SimSource extends BridgeSource {
  injected(): readonly InjectedAnomaly[]
  readonly simulator: Simulator
}

/**
 * Usual levels of channels named after a physical quantity: a temperature near 21 °C with two decimals,
 * a relative humidity near 45 % with one. Anything else is on the configured scale, in integers like
 * `analogRead`.
 */
const SCALES: Readonly<Record<string, { base: number; decimals: number } | undefined>> = {
  temp: { base: 21, decimals: 2 },
  temperature: { base: 21, decimals: 2 },
  humidity: { base: 45, decimals: 1 },
}

/** The longest the simulator sleeps, so that a step of the wall clock is caught up within a second. */
const MAX_SLEEP_MS = 1000

/** Anomalies planned per channel: at 10 Hz and one per 1000 samples, more than a day's worth. */
const PLANNED = 1000

/**
 * Creates a simulator source.
 *
 * @example
 * ```ts
 * const sim = createSimSource({ devices: ['sim'], channels: ['light'], rateHz: 10, seed: 1, base: 500,
 *   amplitude: 100, periodMs: 60_000, trendPerSecond: 0, noiseStd: 5, anomalyEvery: 600, spike: 150,
 *   shift: 80, drift: 80, tickMs: 10 })
 * await sim.start(sink)
 * ```
 */
export function createSimSource(options: SimSourceOptions): SimSource {
  const log = options.logger ?? silentLogger
  const now = options.now ?? epochMs
  const startTime = now()
  const specs: SimDeviceSpec[] = options.devices.map((id, d) => ({
    id,
    rateHz: options.rateHz,
    channels: options.channels.map((name, c) => {
      // Channels named like a known physical quantity keep its usual scale; the configured figures are
      // for the rest (a light sensor's 0…1023 ADC counts by default), scaled by the same ratio.
      const k = (SCALES[name]?.base ?? options.base) / (options.base === 0 ? 1 : options.base)
      const decimals = SCALES[name]?.decimals ?? 0
      return {
        name,
        base: options.base * k,
        amplitude: options.amplitude * k,
        periodMs: options.periodMs,
        // Spread the phases so that devices and channels do not move in lockstep.
        phase: d * 0.7 + c * 1.3,
        trendPerSecond: options.trendPerSecond * k,
        noiseStd: options.noiseStd * k,
        decimals,
        ...(options.anomalyEvery > 0
          ? {
              anomalies: planAnomalies({
                seed: options.seed * 7919 + d * 131 + c,
                count: PLANNED,
                from: options.anomalyEvery,
                to: options.anomalyEvery * (PLANNED + 1),
                magnitude: {
                  spike: options.spike * k,
                  shift: options.shift * k,
                  drift: options.drift * k,
                },
                alternate: true,
              }),
            }
          : {}),
      }
    }),
  }))
  const simulator = createSimulator({ devices: specs, seed: options.seed, startTime })
  const channelCount = options.channels.length
  let timer: NodeJS.Timeout | undefined
  let sink: SourceSink | undefined

  const tick = (): void => {
    const s = sink
    if (s === undefined) return
    // Wait while the outbound queue is nearly full: the simulated devices "pause" and catch up later.
    if (s.congestion() > 0.9) return
    // Catching up, read no more lines than the queue takes: the rest wait for the next tick.
    const lines = rowsThatFit(s, channelCount)
    if (lines === 0) return
    const ingest = now()
    simulator.advance(
      ingest,
      (line) => {
        s.reading({ device: line.device, seq: line.seq, t: line.t, values: line.values, ingest })
      },
      lines,
    )
  }
  // Sleep until the next sample is due rather than waking every tickMs: 3 devices at 10 Hz are then 10
  // wakeups a second, not 100 (issue 16, idle CPU). tickMs stays the shortest wait, which is also how
  // soon a congested queue is looked at again.
  const run = (): void => {
    tick()
    if (sink === undefined) return
    const due = simulator.nextDue() - now()
    timer = setTimeout(run, Math.min(MAX_SLEEP_MS, Math.max(options.tickMs, due)))
  }

  return {
    channels: options.channels,
    simulator,
    injected: () => simulator.injected(),
    start(s) {
      sink = s
      log.info(
        { devices: options.devices.length, channels: options.channels, rateHz: options.rateHz },
        `Simulating ${options.devices.length} device(s) × ${options.channels.length} channel(s) at ${options.rateHz} Hz`,
      )
      run()
      return Promise.resolve()
    },
    stop() {
      if (timer) clearTimeout(timer)
      timer = undefined
      // One last advance so that nothing due is left behind.
      tick()
      sink = undefined
      return Promise.resolve()
    },
    setRate(device, hz): RateOutcome {
      if (!simulator.devices.includes(device)) return 'unknown-device'
      simulator.setRate(device, hz)
      log.info({ device, hz }, `Simulated device ${device} now samples at ${hz} Hz`)
      return 'applied'
    },
  }
}
