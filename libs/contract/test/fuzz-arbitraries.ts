/**
 * @module test/fuzz-arbitraries
 * The fuzz cases of issue 11 as fast-check arbitraries, shared by the codec's fuzz test and the intake
 * fuzz tests of the services: bad payloads (not JSON, not UTF-8, wrong types, absurd times such as
 * `t = 1e19`, unequal batches), odd topics (`DEV!`, `dév`, a 60 000-character device, wildcards, reserved
 * and empty levels), and serial garbage. Valid samples are mixed in, with times around `now`, so that
 * what is accepted and what is refused are both exercised.
 */
import fc from 'fast-check'

/** A valid identifier. */
export const identifier = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,11}$/)

/** A topic level that may or may not be a valid identifier. */
export const oddSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: identifier },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'DEV!',
      'dév',
      '',
      'Upper',
      '_sys',
      '_ctl',
      '-x',
      '+',
      '#',
      'a b',
      '\u0000',
      '😀',
      'd'.repeat(60_000),
      'a'.repeat(129),
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 8, unit: 'binary' }) },
)

/** A topic a raw subscription (`sluice/+/+/raw`) may deliver, or one it would not. */
export const oddTopic: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.tuple(oddSegment, oddSegment).map(([d, c]) => `sluice/${d}/${c}/raw`),
  },
  { weight: 1, arbitrary: oddSegment.map((d) => `sluice/${d}/raw`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constantFrom('sluice/_sys/x/y/metrics', 'sluice/a/b/raw/extra') },
)

/** A time in ms: mostly around `now` (ten minutes back to two minutes ahead), sometimes absurd. */
export function oddTime(now: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: -600_000, max: 120_000 }).map((d) => now + d) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(1e19, 1e17, -1, 0, 2 ** 53, 1e13, 1e13 + 1, now + 86_400_000),
    },
    { weight: 1, arbitrary: fc.constantFrom(null, '1000', true, [], {}) },
  )
}

/** A reading: mostly a number, sometimes not one. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(null, '450', 1e308, -0, [1]) },
)

/** A sequence number: mostly a count, sometimes not one. */
const oddSeq: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.nat({ max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 53 + 2, '7', null) },
)

/** A raw sample object, well-formed or nearly so. */
export function oddSample(now: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      seq: oddSeq,
      t: oddTime(now),
      value: oddValue,
      ingest: oddTime(now),
      dropped: fc.oneof(
        { weight: 8, arbitrary: fc.nat({ max: 1000 }) },
        { weight: 1, arbitrary: fc.constantFrom(-1, 'x') },
      ),
      extra: fc.string({ maxLength: 4 }),
    },
    { requiredKeys: ['seq', 't', 'value', 'ingest'] },
  )
}

/** A raw batch, well-formed or nearly so (lengths may differ). */
export function oddBatch(now: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.integer({ min: 0, max: 20 }).chain((n) => {
    const column = <T>(item: fc.Arbitrary<T>) =>
      fc.oneof(
        { weight: 8, arbitrary: fc.array(item, { minLength: n, maxLength: n }) },
        { weight: 1, arbitrary: fc.array(item, { maxLength: 21 }) },
      )
    return fc.record(
      {
        seq: column(oddSeq),
        t: column(oddTime(now)),
        value: column(oddValue),
        ingest: column(oddTime(now)),
        dropped: fc.nat({ max: 1000 }),
      },
      { requiredKeys: ['seq', 't', 'value', 'ingest'] },
    )
  })
}

/** Bytes that might arrive on a raw topic: JSON payloads good and bad, and plain garbage. */
export function oddPayload(now: number): fc.Arbitrary<Uint8Array> {
  const text = (s: string) => new TextEncoder().encode(s)
  return fc.oneof(
    { weight: 6, arbitrary: oddSample(now).map((o) => text(JSON.stringify(o))) },
    { weight: 6, arbitrary: oddBatch(now).map((o) => text(JSON.stringify(o))) },
    { weight: 2, arbitrary: fc.json().map(text) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{"seq":1,"t":1e999,"value":1,"ingest":1}',
          '{"seq":1,"t":',
          '',
          'null',
          '[]',
          '450',
          '{"seq":[1],"t":[1],"value":[1]}',
        )
        .map(text),
    },
    // Invalid UTF-8: a lone continuation byte inside otherwise valid JSON.
    { weight: 1, arbitrary: fc.constant(Uint8Array.from([0x7b, 0x22, 0x80, 0x22, 0x7d])) },
  )
}

/** What a serial port may deliver: sample lines, comments, and noise (a wrong baud rate looks so). */
export const serialGarbage: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80, unit: 'binary' }),
  fc
    .array(fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 3 })), { maxLength: 6 })
    .map((xs) => `${xs.join(',')}\n`),
  fc.constantFrom('', '\n', '\r\n', '#', '*ZZ', '1,2*00', 'R10', 'OK R10', 'x'.repeat(5000)),
)
