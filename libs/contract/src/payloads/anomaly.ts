/**
 * @module payloads/anomaly
 * Anomaly events on `{p}/{device}/{channel}/anomaly` (DESIGN.md §4, §8): the sample that tripped a
 * detector, with the detector's score, level and kind and the baseline it was judged against.
 *
 * `sluice.v2.anomaly` (issue 15) is an **episode** event: a sensor (or, for the multivariate detector, a
 * device) is normal or in an episode, and each event is its `start`, an `update` (a higher peak, a more
 * persistent kind, a channel newly involved) or its `end`, with the duration and the channels involved.
 * Every `sluice.v1.anomaly` field is still there with its v1 meaning: `seq`, `t`, `value`, `ingest` are the
 * sample that caused the event (for an `end`, the one that closed the episode), `score`, `level` and
 * `baseline` its detection (for an `end`, the episode's peak), so a v1 reader that ignores unknown fields
 * keeps working; it sees each episode as up to a few
 * events instead of one per alerting sample. A device episode travels on the topic of the channel most to
 * blame when it started, with `scope: "device"` and every involved channel in `episode.channels`.
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

/** Which moment of an episode an event marks. */
export const EpisodePhaseSchema = Type.Union([
  Type.Literal('start'),
  Type.Literal('update'),
  Type.Literal('end'),
])

/** `start`, `update` or `end`. */
export type EpisodePhase = Static<typeof EpisodePhaseSchema>

/** The episode an anomaly event belongs to (v2). */
export const EpisodeSchema = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      description:
        'Stable id of the episode: `{device}/{channel or _device}/{startT}`; its start, updates and end share it.',
    }),
    phase: EpisodePhaseSchema,
    startT: TimeMs('Event time of the first alerting sample.'),
    lastT: TimeMs('Event time of the latest alerting sample.'),
    durationMs: Type.Number({
      minimum: 0,
      description: 'lastT − startT: how long the sensor has been (on `end`: was) anomalous.',
    }),
    alerts: Count('Alerting samples in the episode so far.'),
    peakScore: Type.Number({ description: 'Highest score in the episode so far.' }),
    channels: Type.Array(Type.String({ minLength: 1 }), {
      description:
        'Channels involved (for a per-channel detector, its channel), most to blame first.',
    }),
  },
  { description: 'The episode this event starts, updates or ends.' },
)

/** An anomaly event's episode. */
export type Episode = Static<typeof EpisodeSchema>

/**
 * JSON Schema of an anomaly event, `sluice.v2.anomaly`: the v1 fields plus `scope` and `episode`.
 *
 * @example
 * ```json
 * {"seq": 1234, "t": 1732480000123.4, "value": 900, "score": 6.2, "threshold": 2, "detector": "zscore",
 *  "level": "very-unusual", "kind": "spike", "baseline": {"mean": 450, "std": 12, "n": 120},
 *  "ingest": 1732480000123.9, "scope": "channel", "episode": {"id": "arduino-1/light/1732480000123.4",
 *  "phase": "start", "startT": 1732480000123.4, "lastT": 1732480000123.4, "durationMs": 0, "alerts": 1,
 *  "peakScore": 6.2, "channels": ["light"]}}
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
    // Optional so that v1 payloads (recorded, or from an older anomaly service) still decode: a v2 service
    // always sets both.
    scope: Type.Optional(
      Type.Union([Type.Literal('channel'), Type.Literal('device')], {
        description:
          'channel: a per-channel detector; device: the multivariate detector over all channels of the ' +
          'device. Always set by a v2 anomaly service.',
      }),
    ),
    episode: Type.Optional(EpisodeSchema),
  },
  {
    $id: MessageIds.anomaly,
    title: 'Anomaly episode event',
    description:
      'The start, an update or the end of an anomaly episode, with the sample that caused it (for an end: ' +
      'the peak), its score and baseline. Extends sluice.v1.anomaly with `scope` and `episode`.',
  },
)

/** An anomaly event as it travels on the wire. */
export type AnomalyEvent = Static<typeof AnomalyEventSchema>
