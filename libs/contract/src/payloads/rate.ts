/**
 * @module payloads/rate
 * Rate commands on `{p}/{device}/_ctl/rate` (DESIGN.md §1, §10): the serial bridge turns `{"hz": 10}`
 * into `R10\n` for the firmware.
 */
import { Type, type Static } from '@sinclair/typebox'
import { MessageIds } from '../message-ids.js'

/** The highest sampling rate a rate command may ask for. */
export const RATE_MAX_HZ = 100_000

/**
 * JSON Schema of a rate command, `sluice.v1.rate`.
 *
 * @example
 * ```json
 * {"hz": 10}
 * ```
 */
export const RateCommandSchema = Type.Object(
  {
    hz: Type.Number({
      exclusiveMinimum: 0,
      maximum: RATE_MAX_HZ,
      description: 'Requested sampling rate in samples per second.',
    }),
  },
  {
    $id: MessageIds.rate,
    title: 'Rate command',
    description: 'Asks a device to sample at a new rate.',
  },
)

/** A rate command as it travels on the wire. */
export type RateCommand = Static<typeof RateCommandSchema>
