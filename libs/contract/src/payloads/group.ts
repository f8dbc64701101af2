/**
 * @module payloads/group
 * The messages a group of instances shares its sensors with (DESIGN.md §12, issue 13), all under the
 * publisher's own `_sys/{service}/{instance}` subtree, so the broker's ACL needs no new rule:
 * - `sensors/{device}` (retained): the channels of one device a publisher knows of: the sensor registry
 *   the members of a group assign from (the serial bridge announces its devices; a lone consumer that
 *   discovers a device publishing directly announces it too);
 * - `handover/{to}`: the state of one unit (a sensor, or a device for per-device detectors) an instance
 *   gives up, with the last sequence number it handled per sensor, so the new owner resumes exactly there;
 * - `progress/{chunk}` (retained): the last sequence number handled per owned sensor, every few seconds,
 *   so that after a crash the survivors count exactly what the gap cost;
 * and, inside the metrics payload, the `group` section: members, ownership, rebalances, handovers.
 */
import { Type, type Static } from '@sinclair/typebox'
import { MessageIds } from '../message-ids.js'
import { Count, Identifier, TimeMs } from './common.js'

/** A sensor key, `device/channel`. */
const SensorKey = (description: string) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$', maxLength: 257, description })

/**
 * JSON Schema of a sensor registry record, `sluice.v1.sensors`: the channels of one device.
 *
 * @example
 * ```json
 * {"device": "pump-1", "channels": ["current", "pressure", "flow"], "t": 1732480000000}
 * ```
 */
export const SensorsRecordSchema = Type.Object(
  {
    device: Identifier('Device id.'),
    channels: Type.Array(Identifier('Channel name.'), { maxItems: 1024, uniqueItems: true }),
    t: TimeMs('When the record was published (ms since the epoch).'),
  },
  {
    $id: MessageIds.sensors,
    title: 'Sensor registry record',
    description:
      'Retained: the channels of one device its publisher knows of; the members of a group assign them.',
  },
)

/** A sensor registry record. */
export type SensorsRecord = Static<typeof SensorsRecordSchema>

/**
 * JSON Schema of a handover, `sluice.v1.handover`: one unit's state, from its old owner to its new one.
 *
 * @example
 * ```json
 * {"group": "windowing", "from": "w1", "to": "w2", "unit": "pump-1/current", "generation": 7,
 *  "positions": {"pump-1/current": 1234}, "state": {"w5s": {"…": "…"}}, "t": 1732480000000}
 * ```
 */
export const HandoverSchema = Type.Object(
  {
    group: Identifier('The group.'),
    from: Identifier('The instance giving the unit up.'),
    to: Identifier('The instance taking it.'),
    unit: Type.String({
      minLength: 1,
      maxLength: 257,
      description: 'A sensor key or a device id.',
    }),
    generation: Count('The membership generation the move belongs to.'),
    positions: Type.Record(SensorKey('Sensor key.'), Type.Number(), {
      description:
        'Per sensor of the unit: the last sequence number (or event time, if unsequenced) handled.',
    }),
    state: Type.Unknown({ description: 'The service state of the unit (JSON), or null.' }),
    t: TimeMs('When the state was taken (ms since the epoch).'),
  },
  {
    $id: MessageIds.handover,
    title: 'Handover',
    description:
      'The window or detector state of one unit, passed to its new owner on a graceful move.',
  },
)

/** A handover message. */
export type Handover = Static<typeof HandoverSchema>

/**
 * JSON Schema of a progress checkpoint, `sluice.v1.progress`: per owned sensor, the last position handled.
 *
 * @example
 * ```json
 * {"group": "windowing", "instance": "w1", "positions": {"pump-1/current": 1234}, "t": 1732480000000}
 * ```
 */
export const ProgressSchema = Type.Object(
  {
    group: Identifier('The group.'),
    instance: Identifier('The instance.'),
    positions: Type.Record(SensorKey('Sensor key.'), Type.Number()),
    t: TimeMs('When the checkpoint was taken (ms since the epoch).'),
  },
  {
    $id: MessageIds.progress,
    title: 'Progress checkpoint',
    description:
      'Retained: the last sequence number each owned sensor was handled at; after a crash the survivors ' +
      'count the samples between it and what they see first as lost to the handover.',
  },
)

/** A progress checkpoint. */
export type Progress = Static<typeof ProgressSchema>

/** The `group` section of a service's metrics: who owns what, and what moving cost. */
export const GroupMetricsSchema = Type.Object({
  group: Identifier('The group.'),
  generation: Count(
    'Membership generation: changes each time the member list this instance acts on does.',
  ),
  members: Type.Array(
    Type.Object({
      instance: Identifier('Member instance.'),
      weight: Type.Number({ exclusiveMinimum: 0 }),
    }),
    { description: 'The members this instance assigns over, itself included.' },
  ),
  units: Count('Units (sensors or devices) known to the group.'),
  owned: Count('Units this instance owns.'),
  rebalances: Count('Assignments recomputed after a membership change (cumulative).'),
  handovers: Type.Object({
    sent: Count('Units whose state this instance handed to a new owner.'),
    received: Count('Units taken over with their state.'),
    fresh: Count(
      'Units taken over without state (a crashed owner, or the state did not come in time).',
    ),
  }),
  lastHandoverMs: Type.Optional(
    Type.Number({
      minimum: 0,
      description: 'Duration of the last rebalance until every move settled.',
    }),
  ),
  overlap: Count('Samples received twice around a move and handled once (duplicates dropped).'),
  lost: Count(
    "Samples no instance handled around a move: after a crash, from the dead owner's last checkpoint.",
  ),
})

/** The `group` section of the metrics. */
export type GroupMetrics = Static<typeof GroupMetricsSchema>
