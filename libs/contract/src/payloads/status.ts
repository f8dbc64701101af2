/**
 * @module payloads/status
 * Service status on `{p}/_sys/{service}/{instance}/status` (DESIGN.md §3): published retained as
 * `online` at start and registered as the MQTT last will with `offline`, so the broker announces a crash.
 */
import { Type, type Static } from '@sinclair/typebox'
import { MessageIds } from '../message-ids.js'
import { Count, Identifier, TimeMs } from './common.js'

/**
 * JSON Schema of a status message, `sluice.v1.status`.
 *
 * @example
 * ```json
 * {"state": "online", "version": "0.1.0", "host": "pi", "since": 1732480000000, "service": "windowing",
 *  "instance": "w1", "pid": 4242}
 * ```
 */
export const ServiceStatusSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    version: Type.String({ description: 'The service version.' }),
    host: Type.String({ description: 'Host name the instance runs on.' }),
    since: TimeMs('When the instance entered this state (ms since the epoch).'),
    service: Type.Optional(Identifier('Service name.')),
    instance: Type.Optional(Identifier('Instance id.')),
    pid: Type.Optional(Count('Process id.')),
    group: Type.Optional(Identifier('The group the instance shares sensors in (DESIGN.md §12).')),
    weight: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'Its share of the group, relative to the others.',
      }),
    ),
    leaving: Type.Optional(
      Type.Boolean({
        description:
          'On an offline status: a graceful leave, whose units come to their new owners with their ' +
          'state (a last will never says so).',
      }),
    ),
    epoch: Type.Optional(
      TimeMs(
        'When this incarnation of the instance started: a record with an older epoch than one already ' +
          'seen is a stale retained message, not a member.',
      ),
    ),
  },
  {
    $id: MessageIds.status,
    title: 'Service status',
    description: 'Retained liveness of one service instance; the offline form is its last will.',
  },
)

/** A status message as it travels on the wire. */
export type ServiceStatus = Static<typeof ServiceStatusSchema>
