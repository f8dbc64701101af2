/**
 * @module payloads/anomaly
 * Anomaly events on `{p}/{device}/{channel}/anomaly` (DESIGN.md §4, §8): the sample that tripped a
 * detector, with the detector's score, level and kind and the baseline it was judged against.
 */
import { Type, type Static } from '@sinclair/typebox'
import { MessageIds } from '../message-ids.js'
import { Count, TimeMs } from './common.js'

/** An event's level: only non-normal levels are published. */
export const AnomalyEventLevelSchema = Type.Union([
  Type.Literal('unusual'),
  Type.Literal('very-unusual'),
])

/** `unusual` or `very-unusual`. */
export type AnomalyEventLevel = Static<typeof AnomalyEventLevelSchema>

/** What kind of change the detector saw. */
export const AnomalyEventKindSchema = Type.Union([
  Type.Literal('spike'),
  Type.Literal('shift'),
  Type.Literal('drift'),
])

/** `spike`, `shift` or `drift`. */
export type AnomalyEventKind = Static<typeof AnomalyEventKindSchema>

/** The baseline a point was judged against. */
export const BaselineSchema = Type.Object({
  mean: Type.Number(),
  std: Type.Number({ minimum: 0 }),
  n: Count('Points the baseline was learned from.'),
})

/**
 * JSON Schema of an anomaly event, `sluice.v1.anomaly`.
 *
 * @example
 * ```json
 * {"seq": 1234, "t": 1732480000123.4, "value": 900, "score": 6.2, "threshold": 2, "detector": "zscore",
 *  "level": "very-unusual", "kind": "spike", "baseline": {"mean": 450, "std": 12, "n": 120},
 *  "ingest": 1732480000123.9}
 * ```
 */
export const AnomalyEventSchema = Type.Object(
  {
    seq: Count('Sequence number of the sample that tripped the detector.'),
    t: TimeMs('Event time of that sample.'),
    value: Type.Number(),
    score: Type.Number({ description: 'Detector-specific score (for z-score detectors, |z|).' }),
    threshold: Type.Number({ description: 'The score at which "unusual" starts.' }),
    detector: Type.String({ minLength: 1, description: 'Detector name, e.g. "zscore".' }),
    level: AnomalyEventLevelSchema,
    kind: AnomalyEventKindSchema,
    baseline: BaselineSchema,
    ingest: TimeMs('Ingest time of that sample.'),
  },
  {
    $id: MessageIds.anomaly,
    title: 'Anomaly event',
    description: 'A sample a detector judged unusual, with its score and baseline.',
  },
)

/** An anomaly event as it travels on the wire. */
export type AnomalyEvent = Static<typeof AnomalyEventSchema>
