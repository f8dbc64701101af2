/**
 * @module sources/governor-loop
 * One step of a serial device's backpressure loop (DESIGN.md §5), run on a timer by the serial source: it
 * reads how full the outbound queue is and whether a downstream consumer is critical, asks the rate
 * governor what to do, and then either writes the new rate to the device (`R<hz>`) or, for a device that
 * does not answer, changes how many of its lines the edge gate keeps, logging why either way.
 */
import { formatRateCommand } from '@sluice/contract'
import type { BridgeLogger } from '../logger.js'
import type { DeviceBackpressure } from '../publish/device-metrics.js'
import type { RateGovernor } from '../publish/rate-governor.js'
import type { SerialLink } from '../serial/serial-link.js'
import type { SourceSink } from './source.js'

/** Options of {@link createGovernorLoop}. */
export interface GovernorLoopOptions {
  readonly device: string
  readonly governor: RateGovernor
  readonly link: SerialLink
  /** Queue fill above which the pressure is reported as `queue`. */
  readonly high: number
  readonly log: BridgeLogger
  readonly now: () => number
  /** Where readings go, once the source has started. */
  readonly sink: () => SourceSink | undefined
}

/** The backpressure loop of one serial device. */
export interface GovernorLoop {
  /** Looks at the pressure once and acts on it; does nothing before the sink is set or while closed. */
  readonly tick: () => void
  /** The pressure seen at the last tick. */
  readonly pressure: DeviceBackpressure['pressure']
}

/** Creates a {@link GovernorLoop}. */
export function createGovernorLoop(options: GovernorLoopOptions): GovernorLoop {
  const { device, governor, link, high, log, now, sink } = options
  let pressure: DeviceBackpressure['pressure'] = 'none'

  const tick = (): void => {
    const s = sink()
    if (s === undefined || link.state !== 'open') return
    const fill = s.congestion()
    // A critical consumer downstream is full pressure, whatever our own queue says.
    const downstream = s.downstream?.()
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

  return {
    tick,
    get pressure() {
      return pressure
    },
  }
}
