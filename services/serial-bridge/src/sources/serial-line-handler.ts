/**
 * @module sources/serial-line-handler
 * What a serial source does with each line its intake has classified: a sample becomes a reading (unless
 * the edge gate drops it while an unresponsive device is throttled), a boot banner or an acknowledgement
 * is logged and told to the rate governor, a device error is logged, a rejected line is logged at a sampled
 * rate, and the start and end of a run of garbled lines (a baud-rate or format mismatch) are logged once
 * each. It keeps the counts the source reports as its backpressure.
 */
import type { IntakeResult, LineIntake } from '../line/line-intake.js'
import { describeMismatch } from '../line/mismatch-detector.js'
import type { BridgeLogger } from '../logger.js'
import { createEdgeGate } from '../publish/edge-gate.js'
import type { RateGovernor } from '../publish/rate-governor.js'
import type { SourceSink } from './source.js'

/** Options of {@link createSerialLineHandler}. */
export interface SerialLineHandlerOptions {
  readonly device: string
  readonly port: string
  readonly baudRate: number
  readonly channels: readonly string[]
  readonly intake: LineIntake
  readonly governor: RateGovernor | undefined
  readonly log: BridgeLogger
  /** Log one in every N rejected lines (the first is always logged). */
  readonly logEvery: number
  readonly now: () => number
  /** The operator's rate, if any. */
  readonly explicitHz: () => number | undefined
  /** Where readings go, once the source has started. */
  readonly sink: () => SourceSink | undefined
}

/** Handles a serial source's classified lines and counts what it did with them. */
export interface SerialLineHandler {
  /** Acts on one classified line read at `ingest`. */
  handle(r: IntakeResult, ingest: number): void
  /** Values read from sample lines (cumulative). */
  readonly samplesIn: number
  /** Values dropped at the edge gate (cumulative). */
  readonly edgeDropped: number
  /** The rate the device last acknowledged, if any. */
  readonly ackedHz: number | undefined
}

/** Creates a {@link SerialLineHandler}. */
export function createSerialLineHandler(options: SerialLineHandlerOptions): SerialLineHandler {
  const { device, port, channels, intake, governor, log, logEvery, now, explicitHz, sink } = options
  const gate = createEdgeGate()
  const context = { port, baudRate: options.baudRate, channels }
  let samplesIn = 0
  let edgeDropped = 0
  let ackedHz: number | undefined

  const handle = (r: IntakeResult, ingest: number): void => {
    if (r.mismatch?.kind === 'suspected') {
      log.error(
        {
          port,
          cause: r.mismatch.cause,
          badLines: r.mismatch.badLines,
          reason: r.mismatch.reason,
        },
        describeMismatch(r.mismatch, context),
      )
    } else if (r.mismatch?.kind === 'recovered') {
      log.info(
        { port, badLines: r.mismatch.badLines },
        `Port ${port} gives good lines again (${r.mismatch.badLines} bad lines in that episode were dropped)`,
      )
    }
    switch (r.kind) {
      case 'sample':
        samplesIn += r.values.length
        // An unresponsive device throttled at the edge: keep `edgeHz` lines per second, count the rest.
        if (!gate.admit(governor?.edgeHz, ingest)) {
          edgeDropped += r.values.length
          sink()?.dropped?.(device, 1)
          return
        }
        sink()?.reading({ device, seq: r.seq, t: ingest, values: r.values, ingest })
        return
      case 'info': {
        const i = r.info
        log.info({ port, device, info: i.text }, `Device on ${port} says: ${i.text}`)
        // Without a rate from the operator, the device's own rate is the ceiling the governor restores.
        if (explicitHz() === undefined && i.rateHz !== undefined)
          governor?.setTarget(i.rateHz, now())
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
            `rejected a line from ${port}: ${r.detail}`,
          )
        }
        return
      }
    }
  }

  return {
    handle,
    get samplesIn() {
      return samplesIn
    },
    get edgeDropped() {
      return edgeDropped
    },
    get ackedHz() {
      return ackedHz
    },
  }
}
