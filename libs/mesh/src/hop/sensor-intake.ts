/**
 * @module hop/sensor-intake
 * The per-sensor intake of a service that keeps state for each sensor (windowing, anomaly): one raw
 * inbound hop on the per-channel raw topics and the device-level topic of each device the instance owns
 * (config `devices`, DESIGN.md §12), and a bound on the sensors it takes (config `maxSensors`), since
 * state per sensor is what bounds such a service's memory. Samples of a sensor beyond the bound are
 * refused: counted on the hop as `max-sensors` (so the accounting identity of its metrics holds, and
 * they are not unexplained loss) and logged at a sampled rate. The service's handler sees only the
 * sensors taken.
 */
import { Type } from '@sinclair/typebox'
import { deviceRawFilter, rawFilter } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { HandleBatch, InboundHop, InboundHopSpec } from './inbound-hop.js'

/**
 * The config fields of a per-sensor intake, to spread into a service's config schema:
 * `Type.Object({ ...sensorIntakeConfigFields, … })`.
 */
export const sensorIntakeConfigFields = {
  maxSensors: Type.Integer({
    minimum: 1,
    default: 10_000,
    description:
      'Most sensors this instance keeps state for; samples of further sensors are refused, counted and ' +
      'logged (state is per sensor, so this bounds memory).',
  }),
  devices: Type.Array(Type.String({ pattern: '^([a-z0-9][a-z0-9_-]*|\\+)$' }), {
    default: ['+'],
    minItems: 1,
    description: 'Devices this instance owns (`+` = all); one subscription each.',
  }),
}

/** What a per-sensor intake is declared with. */
export interface SensorIntakeSpec extends Omit<
  InboundHopSpec,
  'name' | 'filters' | 'handle' | 'key' | 'decode'
> {
  /** The hop's name. Default `raw`. */
  readonly name?: string
  /** Devices this instance owns (`+` = all): config `devices`. */
  readonly devices: readonly string[]
  /** Most sensors taken: config `maxSensors`. */
  readonly maxSensors: number
  /** The service's handler, for the samples of one sensor taken. */
  readonly handle: (key: string, samples: Sample[], batch: HandleBatch) => void | Promise<void>
}

/** What {@link createSensorIntake} needs of the service's context. */
export interface SensorIntakeContext {
  readonly prefix: string
  readonly log: MeshLogger
  inbound(spec: InboundHopSpec): InboundHop
}

/** A running per-sensor intake. */
export interface SensorIntake {
  readonly hop: InboundHop
  /** Sensors taken. */
  readonly sensors: number
  /** Samples refused because their sensor was beyond `maxSensors` (cumulative). */
  readonly refused: number
}

/**
 * Declares a service's per-sensor raw intake (see the module note).
 *
 * @example
 * ```ts
 * createSensorIntake(ctx, {
 *   qos: 1, queue: { capacity: 20_000, policy: 'drop-oldest' },
 *   devices: ctx.config.devices, maxSensors: ctx.config.maxSensors,
 *   handle: (key, samples) => windows.push(key, samples),
 * })
 * ```
 */
export function createSensorIntake(ctx: SensorIntakeContext, spec: SensorIntakeSpec): SensorIntake {
  const { devices, maxSensors, handle, ...hopSpec } = spec
  const taken = new Set<string>()
  let refused = 0
  const warnRefused = createSampledLog(ctx.log, 'warn', 1000)
  const hop = ctx.inbound({
    ...hopSpec,
    name: spec.name ?? 'raw',
    // Per-channel raw topics, and the device-level topic of devices publishing directly.
    filters: devices.flatMap((d) => [rawFilter(ctx.prefix, d), deviceRawFilter(ctx.prefix, d)]),
    handle: (key, samples, batch) => {
      if (!taken.has(key)) {
        if (taken.size >= maxSensors) {
          refused += samples.length
          batch.drop('max-sensors', samples.length)
          warnRefused(
            { sensor: key, refused, maxSensors },
            `more than maxSensors (${maxSensors}) sensors: samples of ${key} are refused; raise ` +
              'maxSensors, or split the sensors between instances with --devices',
          )
          return
        }
        taken.add(key)
      }
      return handle(key, samples, batch)
    },
  })
  return {
    hop,
    get sensors() {
      return taken.size
    },
    get refused() {
      return refused
    },
  }
}
