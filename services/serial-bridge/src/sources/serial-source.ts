/**
 * @module sources/serial-source
 * A serial device as a source: the serial link (open, reset wait, hot plug) feeding the line intake
 * (parse, validate, count, mismatch diagnosis). Good sample lines become readings stamped with the time they
 * were read (the firmware has no clock, so `t` = `ingest`). Boot banners, acknowledgements and device errors
 * are logged; rejected lines are counted and logged at a sampled rate; a run of them produces one clear
 * message naming the likely cause. The last requested rate is re-sent whenever the device reconnects,
 * because a reset board starts again at its compiled-in rate. Backpressure to the device (DESIGN.md §5):
 * the rate governor lowers the rate with `R<hz>` while the outbound queue is full or a downstream consumer
 * is critical, and raises it again when that clears; a device that does not answer is throttled at the
 * edge instead (the edge gate), with the drops counted.
 */
import { epochMs, formatRateCommand, type ChannelRange } from '@sluice/contract'
import { createLineIntake, type IntakeCounters } from '../line/line-intake.js'
import type { MismatchDetectorOptions } from '../line/mismatch-detector.js'
import { silentLogger, type BridgeLogger } from '../logger.js'
import type { DeviceBackpressure } from '../publish/device-metrics.js'
import {
  createRateGovernor,
  type RateGovernor,
  type RateGovernorOptions,
} from '../publish/rate-governor.js'
import {
  createSerialLink,
  type BackoffOptions,
  type PortFactory,
  type SerialLink,
} from '../serial/serial-link.js'
import { createGovernorLoop } from './governor-loop.js'
import { createSerialLineHandler } from './serial-line-handler.js'
import type { BridgeSource, RateOutcome, SourceSink } from './source.js'

/** Options of {@link createSerialSource}. */
export interface SerialSourceOptions {
  readonly device: string
  readonly port: string
  readonly baudRate: number
  readonly channels: readonly string[]
  readonly ranges?: Readonly<Record<string, ChannelRange | undefined>>
  readonly requireChecksum?: boolean
  readonly resetDelayMs?: number
  readonly backoff?: BackoffOptions
  readonly mismatch?: MismatchDetectorOptions
  /** Rate to request each time the device connects. */
  readonly rateHz?: number
  /** Lower the device's rate while the outbound queue is under pressure (default on); false: never. */
  readonly governor?: RateGovernorOptions | false
  /** How often the governor looks at the queue, ms (default 250). */
  readonly governEveryMs?: number
  readonly openPort?: PortFactory
  readonly logger?: BridgeLogger
  /** Log one in every N rejected lines (default 100; the first is always logged). */
  readonly logEvery?: number
  readonly now?: () => number
}

/** A serial source, with its counters for tests and status. */
export interface SerialSource extends BridgeSource {
  readonly counters: Readonly<IntakeCounters>
  readonly link: SerialLink
  /** The rate the device last acknowledged, if any. */
  readonly ackedHz: number | undefined
  /** The backpressure governor of the device's rate, if enabled. */
  readonly governor: RateGovernor | undefined
  /** Samples dropped at the edge while an unresponsive device is throttled (cumulative). */
  readonly edgeDropped: number
  /** Backpressure to the device now, for the `device` metrics. */
  backpressure(): DeviceBackpressure
}

/**
 * Creates a serial source.
 *
 * @example
 * ```ts
 * const source = createSerialSource({ device: 'arduino', port: '/dev/ttyACM0', baudRate: 115200,
 *   channels: ['light', 'temp'], logger: log })
 * await source.start({ reading: (r) => publish(r), congestion: () => 0 })
 * source.setRate('arduino', 20) // 'sent' (R20\n) or 'pending' until the board is back
 * ```
 */
export function createSerialSource(options: SerialSourceOptions): SerialSource {
  const log = options.logger ?? silentLogger
  const { device, channels } = options
  const logEvery = Math.max(1, options.logEvery ?? 100)
  const intake = createLineIntake({
    channels,
    ...(options.ranges !== undefined ? { ranges: options.ranges } : {}),
    ...(options.requireChecksum !== undefined ? { requireChecksum: options.requireChecksum } : {}),
    ...(options.mismatch !== undefined ? { mismatch: options.mismatch } : {}),
  })
  let sink: SourceSink | undefined
  // The operator's rate (config or rate command); the governor may ask for less under pressure.
  let explicitHz = options.rateHz
  let ticker: NodeJS.Timeout | undefined
  const governor = options.governor === false ? undefined : createRateGovernor(options.governor)
  const now = options.now ?? epochMs
  if (explicitHz !== undefined) governor?.setTarget(explicitHz, now())
  /** The rate to ask of the device now. */
  const wantedHz = (): number | undefined => governor?.appliedHz ?? explicitHz
  const high = options.governor === false ? 0.8 : (options.governor?.high ?? 0.8)
  const lines = createSerialLineHandler({
    device,
    port: options.port,
    baudRate: options.baudRate,
    channels,
    intake,
    governor,
    log,
    logEvery,
    now,
    explicitHz: () => explicitHz,
    sink: () => sink,
  })

  const sendRate = (): RateOutcome => {
    const hz = wantedHz()
    if (hz === undefined) return 'pending'
    return link.write(formatRateCommand(hz)) ? 'sent' : 'pending'
  }

  const link = createSerialLink({
    path: options.port,
    baudRate: options.baudRate,
    ...(options.resetDelayMs !== undefined ? { resetDelayMs: options.resetDelayMs } : {}),
    ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    ...(options.openPort !== undefined ? { openPort: options.openPort } : {}),
    logger: log,
    now,
    onLine: (line, ingest) => lines.handle(intake.accept(line, ingest), ingest),
    onOverlong: (bytes, ingest) =>
      lines.handle(
        intake.rejectUnread('too-long', `${bytes} bytes without a line break`, ingest),
        ingest,
      ),
    onState: (state) => {
      if (state === 'open') {
        intake.resetMismatch()
        const hz = wantedHz()
        if (hz !== undefined) {
          sendRate()
          log.info({ device, hz }, `Asked ${device} for ${hz} Hz (R${hz})`)
        }
      }
    },
  })

  const loop =
    governor === undefined
      ? undefined
      : createGovernorLoop({ device, governor, link, high, log, now, sink: () => sink })

  return {
    channels,
    link,
    get counters() {
      return intake.counters
    },
    get ackedHz() {
      return lines.ackedHz
    },
    governor,
    get edgeDropped() {
      return lines.edgeDropped
    },
    backpressure() {
      const mode = governor?.unresponsive ? 'edge' : governor?.throttled ? 'throttled' : 'free'
      return {
        id: device,
        mode,
        pressure: loop?.pressure ?? 'none',
        targetHz: governor?.targetHz ?? explicitHz,
        appliedHz: governor?.appliedHz ?? explicitHz,
        ackedHz: lines.ackedHz,
        commands: governor?.steps ?? 0,
        samplesIn: lines.samplesIn,
        edgeDropped: lines.edgeDropped,
        rejected: intake.counters.rejected,
      }
    },
    start(s) {
      sink = s
      link.start()
      if (loop !== undefined) ticker = setInterval(loop.tick, options.governEveryMs ?? 250)
      return Promise.resolve()
    },
    async stop() {
      if (ticker) clearInterval(ticker)
      ticker = undefined
      await link.stop()
      sink = undefined
    },
    setRate(d, hz) {
      if (d !== device) return 'unknown-device'
      explicitHz = hz
      governor?.setTarget(hz, now())
      return sendRate()
    },
  }
}
