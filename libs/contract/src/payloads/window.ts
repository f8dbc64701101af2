/**
 * @module payloads/window
 * Window aggregates on `{p}/{device}/{channel}/window/{name}` (DESIGN.md §4, §7): the statistics of one
 * closed (or, for late samples within the allowance, re-emitted) window of one sensor channel, one per
 * message, or several of the same topic as a JSON array when they come faster than they can be sent (the
 * window batch, issue 16). A consumer reads both forms with `decodeWindows`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { MessageIds } from '../message-ids.js'
import { Count, Identifier, TimeMs, WindowTimeMs } from './common.js'

/** The window kinds of DESIGN.md §7. */
export const WindowKindSchema = Type.Union(
  [
    Type.Literal('tumbling'),
    Type.Literal('hopping'),
    Type.Literal('sliding'),
    Type.Literal('session'),
  ],
  { description: 'tumbling (stride = size), hopping / sliding (stride < size), or session.' },
)

/** `tumbling`, `hopping`, `sliding` or `session`. */
export type WindowKind = Static<typeof WindowKindSchema>

/**
 * JSON Schema of a window aggregate, `sluice.v1.window`.
 *
 * @example
 * ```json
 * {"window": "w5s", "kind": "sliding", "start": 1732480000000, "end": 1732480005000, "count": 50,
 *  "mean": 451.2, "std": 3.1, "min": 440, "max": 460, "first": 450, "last": 452, "seqFrom": 1000,
 *  "seqTo": 1049, "late": 0, "ingestMax": 1732480005001.2}
 * ```
 */
export const WindowAggregateSchema = Type.Object(
  {
    window: Identifier('The window name, as in the topic.'),
    kind: WindowKindSchema,
    start: WindowTimeMs(
      'Window start (event time, ms, inclusive). For count windows, the first sample time.',
    ),
    end: TimeMs('Window end (event time, ms, exclusive). For count windows, the last sample time.'),
    count: Type.Integer({ minimum: 1, description: 'Samples in the window.' }),
    mean: Type.Number(),
    std: Type.Number({ minimum: 0, description: 'Population standard deviation.' }),
    min: Type.Number(),
    max: Type.Number(),
    first: Type.Number({ description: 'Value of the earliest sample (event time).' }),
    last: Type.Number({ description: 'Value of the latest sample (event time).' }),
    seqFrom: Count('Lowest sequence number in the window.'),
    seqTo: Count('Highest sequence number in the window.'),
    late: Count('Samples that arrived after the watermark closed this window and were dropped.'),
    ingestMax: TimeMs(
      'Latest ingest time among the samples; end-to-end latency is measured from it.',
    ),
  },
  {
    $id: MessageIds.window,
    title: 'Window aggregate',
    description: 'Statistics of one window of one sensor channel.',
  },
)

/** A window aggregate as it travels on the wire. */
export type WindowAggregate = Static<typeof WindowAggregateSchema>

/** Most aggregates in one window batch (the windowing service sends at most 100). */
export const WINDOW_BATCH_MAX_AGGREGATES = 1000

/**
 * JSON Schema of a window batch, `sluice.v1.window-batch`: aggregates of one topic, in the order they
 * were emitted, as a JSON array of `sluice.v1.window` objects.
 *
 * @example
 * ```json
 * [{"window": "c100", "kind": "hopping", "start": 1732480000000, …, "seqTo": 1099, …},
 *  {"window": "c100", "kind": "hopping", "start": 1732480002500, …, "seqTo": 1124, …}]
 * ```
 */
export const WindowBatchSchema = Type.Array(WindowAggregateSchema, {
  minItems: 1,
  maxItems: WINDOW_BATCH_MAX_AGGREGATES,
  $id: MessageIds.windowBatch,
  title: 'Window batch',
  description:
    'Several aggregates of one topic in the order they were emitted: the windowing service sends them ' +
    'so while they come faster than its outbound hop can send them one by one (a lone aggregate is sent ' +
    'as a `sluice.v1.window` object).',
})

/** A window batch as it travels on the wire. */
export type WindowBatch = Static<typeof WindowBatchSchema>
