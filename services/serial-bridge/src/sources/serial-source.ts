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
import { createLineIntake, type IntakeCounters, type IntakeResult } from '../line/line-intake.js'
import { describeMismatch, type MismatchDetectorOptions } from '../line/mismatch-detector.js'
import { silentLogger, type BridgeLogger } from '../logger.js'
import type { DeviceBackpressure } from '../publish/device-metrics.js'
import { createEdgeGate } from '../publish/edge-gate.js'
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
  let ackedHz: number | undefined
  let ticker: NodeJS.Timeout | undefined
  const governor = options.governor === false ? undefined : createRateGovernor(options.governor)
  const now = options.now ?? epochMs
  if (explicitHz !== undefined) governor?.setTarget(explicitHz, now())
  /** The rate to ask of the device now. */
  const wantedHz = (): number | undefined => governor?.appliedHz ?? explicitHz
  const high = options.governor === false ? 0.8 : (options.governor?.high ?? 0.8)
  const gate = createEdgeGate()
  let samplesIn = 0
  let edgeDropped = 0
  let pressure: DeviceBackpressure['pressure'] = 'none'
  const context = { port: options.port, baudRate: options.baudRate, channels }

  const handle = (r: IntakeResult, ingest: number): void => {
    if (r.mismatch?.kind === 'suspected') {
      log.error(
        {
          port: options.port,
          cause: r.mismatch.cause,
          badLines: r.mismatch.badLines,
          reason: r.mismatch.reason,
        },
        describeMismatch(r.mismatch, context),
      )
    } else if (r.mismatch?.kind === 'recovered') {
      log.info(
        { port: options.port, badLines: r.mismatch.badLines },
        `Port ${options.port} gives good lines again (${r.mismatch.badLines} bad lines in that episode were dropped)`,
      )
    }
    switch (r.kind) {
      case 'sample':
        samplesIn += r.values.length
        // An unresponsive device throttled at the edge: keep `edgeHz` lines per second, count the rest.
        if (!gate.admit(governor?.edgeHz, ingest)) {
          edgeDropped += r.values.length
          sink?.dropped?.(device, 1)
          return
        }
        sink?.reading({ device, seq: r.seq, t: ingest, values: r.values, ingest })
        return
      case 'info': {
        const i = r.info
        log.info(
          { port: options.port, device, info: i.text },
          `Device on ${options.port} says: ${i.text}`,
        )
        // Without a rate from the operator, the device's own rate is the ceiling the governor restores.
        if (explicitHz === undefined && i.rateHz !== undefined) governor?.setTarget(i.rateHz, now())
        if (i.channels !== undefined && i.channels.join(',') !== channels.join(',')) {
          log.warn(
            { device, announced: i.channels, configured: channels },
            `Device announces channels ${i.channels.join(',')} but the bridge is configured for ` +
              `${channels.join(',')}: values are published under the configured names, in order. ` +
              `Set --channels ${i.channels.join(',')} if that is wrong.`,
          )
        }
        return
      }
      case 'ack':
        if (r.hz !== undefined) {
          ackedHz = r.hz
          governor?.acknowledged(r.hz)
        }
        log.info({ device, command: r.command }, `Device acknowledged ${r.command}`)
        return
      case 'device-error':
        log.warn({ device, text: r.text }, `Device reported an error: ${r.text}`)
        return
      case 'rejected': {
        if (r.reason === 'empty') return
        const n = intake.counters.rejected
        if (n % logEvery === 1 || logEvery === 1) {
          log.warn(
            { device, reason: r.reason, detail: r.detail, rejected: n },
            `rejected a line from ${options.port}: ${r.detail}`,
          )
        }
        return
      }
    }
  }

  const sendRate = (): RateOutcome => {
    const hz = wantedHz()
    if (hz === undefined) return 'pending'
    return link.write(formatRateCommand(hz)) ? 'sent' : 'pending'
  }

  const govern = (): void => {
    if (governor === undefined || sink === undefined || link.state !== 'open') return
    const fill = sink.congestion()
    // A critical consumer downstream is full pressure, whatever our own queue says.
    const downstream = sink.downstream?.()
    pressure = downstream !== undefined ? 'downstream' : fill > high ? 'queue' : 'none'
    const before = governor.appliedHz
    const r = governor.update(downstream !== undefined ? 1 : fill, now())
    if (r === undefined) return
    if ('kind' in r) {
      log.warn(
        { device, hz: r.hz },
        `${device} did not acknowledge R${r.hz}: it cannot be slowed down, so the bridge keeps at most ` +
          `${r.hz} of its lines per second and drops the rest at the edge (counted in the device hop)`,
      )
      return
    }
    const cause =
      downstream !== undefined
        ? `${downstream} is critical`
        : `Outbound queue ${Math.round(fill * 100)}% full`
    const fields = { device, hz: r.hz, was: before, fill, downstream, direction: r.direction }
    if (r.via === 'edge') {
      log.info(
        fields,
        r.direction === 'lower'
          ? `${cause}: ${device} does not answer, so the bridge keeps ${r.hz} of its lines per second`
          : `${cause}: pressure cleared, the bridge keeps ${r.hz} of ${device}'s lines per second` +
              (r.hz >= (governor.targetHz ?? Infinity) ? ' (all of them)' : ''),
      )
      return
    }
    link.write(formatRateCommand(r.hz))
    log.info(
      fields,
      r.direction === 'lower'
        ? `${cause}: asked ${device} to slow down from ${before} to ${r.hz} Hz`
        : `${cause}: pressure cleared, asked ${device} for ${r.hz} Hz again ` +
            `(target ${governor.targetHz})`,
    )
  }
  const link = createSerialLink({
    path: options.port,
    baudRate: options.baudRate,
    ...(options.resetDelayMs !== undefined ? { resetDelayMs: options.resetDelayMs } : {}),
    ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    ...(options.openPort !== undefined ? { openPort: options.openPort } : {}),
    logger: log,
    now,
    onLine: (line, ingest) => handle(intake.accept(line, ingest), ingest),
    onOverlong: (bytes, ingest) =>
      handle(
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

  return {
    channels,
    link,
    get counters() {
      return intake.counters
    },
    get ackedHz() {
      return ackedHz
    },
    governor,
    get edgeDropped() {
      return edgeDropped
    },
    backpressure() {
      const mode = governor?.unresponsive ? 'edge' : governor?.throttled ? 'throttled' : 'free'
      return {
        id: device,
        mode,
        pressure,
        targetHz: governor?.targetHz ?? explicitHz,
        appliedHz: governor?.appliedHz ?? explicitHz,
        ackedHz,
        commands: governor?.steps ?? 0,
        samplesIn,
        edgeDropped,
        rejected: intake.counters.rejected,
      }
    },
    start(s) {
      sink = s
      link.start()
      if (governor !== undefined) ticker = setInterval(govern, options.governEveryMs ?? 250)
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
