/**
 * @module payloads/raw
 * Raw samples on `{p}/{device}/{channel}/raw` (DESIGN.md §4): a lone sample as an object, or, at high
 * rates, a batch as parallel arrays of equal length. Every consumer accepts both; the codec's
 * `decodeRawSamples` turns either into `Sample[]`.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Sample } from '@sluice/stream'
import { MessageIds } from '../message-ids.js'
import { Count, TimeMs, isCount, isFiniteNumber, isTimeMs } from './common.js'

/** The most samples one raw batch may carry; bridges flush well before this. */
export const RAW_BATCH_MAX_SAMPLES = 10_000

/**
 * Whether four fields make a raw sample: {@link RawSampleSchema}'s rules without `dropped`, the one check
 * every decode path makes per sample (a lone sample, a batch by `JSON.parse`, a batch read from its bytes).
 * False for non-numbers.
 */
export function isRawSample(seq: unknown, t: unknown, value: unknown, ingest: unknown): boolean {
  return isCount(seq) && isTimeMs(t) && isFiniteNumber(value) && isTimeMs(ingest)
}

/**
 * Puts a batch's upstream `dropped` count (checked) on its first sample: the drops came before it. A sample
 * with the count is built whole, in the one shape such a sample has.
 */
export function carryDropped(samples: Sample[], dropped: number | undefined): void {
  if (dropped === undefined || dropped === 0) return
  const { seq, t, value, ingest } = samples[0]!
  samples[0] = { seq, t, value, ingest, dropped }
}

/**
 * The optional `dropped` field of a raw sample or batch: samples of this sensor that the publisher (the
 * serial bridge) dropped, and counted in its own metrics, since its previous message of this sensor that
 * carried the field. A consumer counts them as explained loss, so the sequence gaps they leave are not
 * reported again as unexplained (issue 11, item 10). Absent means 0.
 */
const UpstreamDropped = () =>
  Count(
    'Samples of this sensor dropped and counted upstream (by the publisher) since its previous ' +
      'message that carried this field; their gaps are explained. Absent: 0.',
  )

/**
 * JSON Schema of one raw sample, `sluice.v1.raw`.
 *
 * @example
 * ```json
 * {"seq": 1234, "t": 1732480000123.4, "value": 450, "ingest": 1732480000123.9}
 * ```
 */
export const RawSampleSchema = Type.Object(
  {
    seq: Count('Device sequence number; gaps expose loss.'),
    t: TimeMs('Event time: the device clock if it sends one, otherwise the bridge clock.'),
    value: Type.Number({ description: 'The reading.' }),
    ingest: TimeMs('When the bridge read the line; latency is measured from here.'),
    dropped: Type.Optional(UpstreamDropped()),
  },
  {
    $id: MessageIds.raw,
    title: 'Raw sample',
    description: 'One reading of one sensor channel.',
  },
)

/** One raw sample as it travels on the wire. */
export type RawSample = Static<typeof RawSampleSchema>

/**
 * JSON Schema of a raw batch, `sluice.v1.raw-batch`: parallel arrays, all of the same length (JSON
 * Schema cannot say "same length"; the codec checks it).
 *
 * @example
 * ```json
 * {"seq": [1, 2], "t": [1000, 1010], "value": [450, 451], "ingest": [1000.5, 1010.4]}
 * ```
 */
export const RawBatchSchema = Type.Object(
  {
    seq: Type.Array(Count(), {
      minItems: 1,
      maxItems: RAW_BATCH_MAX_SAMPLES,
      description: 'Sequence numbers.',
    }),
    t: Type.Array(TimeMs(), {
      minItems: 1,
      maxItems: RAW_BATCH_MAX_SAMPLES,
      description: 'Event times (ms).',
    }),
    value: Type.Array(Type.Number(), {
      minItems: 1,
      maxItems: RAW_BATCH_MAX_SAMPLES,
      description: 'Readings.',
    }),
    ingest: Type.Array(TimeMs(), {
      minItems: 1,
      maxItems: RAW_BATCH_MAX_SAMPLES,
      description: 'Ingest times (ms).',
    }),
    dropped: Type.Optional(UpstreamDropped()),
  },
  {
    $id: MessageIds.rawBatch,
    title: 'Raw batch',
    description:
      'Several samples of one sensor channel as parallel arrays of equal length (sample i is ' +
      '{seq[i], t[i], value[i], ingest[i]}).',
  },
)

/** A raw batch as it travels on the wire. */
export type RawBatch = Static<typeof RawBatchSchema>

/**
 * Packs samples into one raw batch payload (the inverse of `decodeRawSamples` for a batch).
 *
 * @example
 * ```ts
 * toRawBatch([{ seq: 1, t: 10, value: 5, ingest: 11 }]) // { seq: [1], t: [10], value: [5], ingest: [11] }
 * ```
 */
export function toRawBatch(samples: readonly Sample[]): RawBatch {
  const n = samples.length
  const batch: RawBatch = {
    seq: new Array<number>(n),
    t: new Array<number>(n),
    value: new Array<number>(n),
    ingest: new Array<number>(n),
  }
  for (let i = 0; i < n; i++) {
    const s = samples[i]!
    batch.seq[i] = s.seq
    batch.t[i] = s.t
    batch.value[i] = s.value
    batch.ingest[i] = s.ingest
  }
  return batch
}
