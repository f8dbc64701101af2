/**
 * @module hop/sensor-intake
 * The per-sensor intake of a service that keeps state for each sensor (windowing, anomaly): one raw
 * inbound hop on the per-channel raw topics and the device-level topic of each device the instance owns
 * (config `devices`, DESIGN.md §12), and a bound on the sensors it takes (config `maxSensors`), since
 * state per sensor is what bounds such a service's memory. Samples of a sensor beyond the bound are
 * refused: counted on the hop as `max-sensors` (so the accounting identity of its metrics holds, and
 * they are not unexplained loss) and logged at a sampled rate. The service's handler sees only the
 * sensors taken.
 *
 * A service that can hand its per-unit state over (`units`) shares its sensors with the other instances
 * of its group (group/sensor-group.ts): the hop's subscriptions then follow what this instance owns.
 */
import { Type } from '@sinclair/typebox'
import { deviceRawFilter, rawFilter } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import { MeshHopError } from '../errors.js'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { GroupMetrics } from '@sluice/contract'
import type { GroupRuntime } from '../group/group-runtime.js'
import { createSensorGroup, type UnitKind } from '../group/sensor-group.js'
import type { UnitStates } from '../group/sensor-handover.js'
import type { HandleBatch, InboundHop, InboundHopSpec } from './inbound-hop.js'
import type { OutboundHop, OutboundHopSpec } from './outbound-hop.js'

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
  /**
   * Share the sensors with the group (DESIGN.md §12): what moves between instances as a whole (a
   * sensor, or a device), and the service's state of one, to hand over. Without it, this instance
   * takes every sensor of `devices`.
   */
  readonly units?: UnitStates & { readonly kind: UnitKind }
}

/** What {@link createSensorIntake} needs of the service's context. */
export interface SensorIntakeContext {
  readonly prefix: string
  readonly log: MeshLogger
  inbound(spec: InboundHopSpec): InboundHop
}

/** What sharing the sensors with a group needs besides (the service runtime's context has it all). */
export interface SensorGroupContext extends SensorIntakeContext {
  readonly name: string
  readonly config: {
    readonly session: 'clean' | 'persistent'
    readonly scaleOut: {
      readonly settleMs: number
      readonly overlapMs: number
      readonly handoverTimeoutMs: number
      readonly checkpointMs: number
    }
  }
  outbound(spec: OutboundHopSpec): OutboundHop
  joinGroup(): GroupRuntime
  reportGroup(fn: () => GroupMetrics | undefined): void
  onStopping(fn: () => Promise<void>): void
}

const isGroupContext = (ctx: SensorIntakeContext): ctx is SensorGroupContext =>
  'joinGroup' in ctx && 'outbound' in ctx && 'config' in ctx

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
  const { devices, maxSensors, handle, units, ...hopSpec } = spec
  const taken = new Set<string>()
  let refused = 0
  const warnRefused = createSampledLog(ctx.log, 'warn', 1000)
  const takeSensor = (key: string, samples: Sample[], batch: HandleBatch): void | Promise<void> => {
    if (!taken.has(key)) {
      if (taken.size >= maxSensors) {
        refused += samples.length
        batch.drop('max-sensors', samples.length)
        warnRefused(
          { sensor: key, refused, maxSensors },
          `more than maxSensors (${maxSensors}) sensors: samples of ${key} are refused; raise ` +
            'maxSensors, or add an instance to the group',
        )
        return
      }
      taken.add(key)
    }
    return handle(key, samples, batch)
  }
  // Per-channel raw topics, and the device-level topic of devices publishing directly.
  const filters = devices.flatMap((d) => [rawFilter(ctx.prefix, d), deviceRawFilter(ctx.prefix, d)])
  if (units !== undefined && !isGroupContext(ctx)) {
    throw new MeshHopError(
      'An intake that shares its sensors with a group needs the service context.',
    )
  }
  const group =
    units === undefined || !isGroupContext(ctx)
      ? undefined
      : shareWithGroup(ctx, spec, units, () => hop, takeSensor)
  const hop: InboundHop = ctx.inbound({
    ...hopSpec,
    name: spec.name ?? 'raw',
    // A group member subscribes once it knows what it owns (sensor-group.ts). On a persistent session
    // the broker delivers the session's backlog right after the connection whatever we subscribe now:
    // the hop holds the wildcards from the start then, and takes that backlog as a lone member would.
    filters: group === undefined || group.startsSubscribed ? filters : [],
    handle:
      group === undefined
        ? takeSensor
        : (key, samples, batch) => {
            const fresh = group.admit(key, samples, batch)
            return fresh.length === 0 ? undefined : takeSensor(key, fresh, batch)
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

/** The sensor group of an intake whose service hands its units over (see the module note). */
function shareWithGroup(
  ctx: SensorGroupContext,
  spec: SensorIntakeSpec,
  units: UnitStates & { readonly kind: UnitKind },
  hop: () => InboundHop,
  handle: (key: string, samples: Sample[], batch: HandleBatch) => void | Promise<void>,
) {
  const timing = ctx.config.scaleOut
  const noBatch: HandleBatch = {
    confirming: false,
    ackAfter: () => undefined,
    drop: () => undefined,
  }
  const group = createSensorGroup({
    prefix: ctx.prefix,
    service: ctx.name,
    group: ctx.joinGroup(),
    unitKind: units.kind,
    devices: spec.devices,
    hop,
    handoverOut: ctx.outbound({
      name: 'handover',
      qos: 1,
      queue: { capacity: 100_000, policy: 'block' },
    }),
    retainedOut: ctx.outbound({
      name: 'group-records',
      qos: 1,
      retain: true,
      queue: { capacity: 10_000, policy: 'drop-oldest' },
    }),
    states: units,
    handle: (key, samples) => handle(key, samples, noBatch),
    overlapMs: timing.overlapMs,
    handoverTimeoutMs: timing.handoverTimeoutMs,
    checkpointMs: timing.checkpointMs,
    settleMs: timing.settleMs,
    startsSubscribed: ctx.config.session === 'persistent',
    log: ctx.log.child({ component: 'sensor-group' }),
  })
  ctx.reportGroup(() => group.metrics())
  ctx.onStopping(() => group.leave())
  return group
}
