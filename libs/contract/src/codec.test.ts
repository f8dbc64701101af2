import { Value } from '@sinclair/typebox/value'
import type { Sample } from '@sluice/stream'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  decodeAnomaly,
  decodeMessage,
  decodeMetrics,
  decodeRate,
  decodeRaw,
  decodeRawBatch,
  decodeRawSamples,
  decodeStatus,
  decodeWindow,
  decodeWindowBatch,
  decodeWindows,
  encode,
  encodeText,
  type DecodeResult,
} from './codec.js'
import { MESSAGE_EXAMPLES } from './asyncapi.js'
import { InvalidPayloadError } from './errors.js'
import { MessageIds } from './message-ids.js'
import { TIME_MS_MAX } from './payloads/common.js'
import type { AnomalyEvent } from './payloads/anomaly.js'
import type { ServiceMetrics } from './payloads/metrics.js'
import {
  RAW_BATCH_MAX_SAMPLES,
  RawBatchSchema,
  RawSampleSchema,
  toRawBatch,
  type RawSample,
} from './payloads/raw.js'
import type { ServiceStatus } from './payloads/status.js'
import type { WindowAggregate } from './payloads/window.js'
import { MessageSchemas } from './schemas.js'

function errorOf<T>(r: DecodeResult<T>): InvalidPayloadError {
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.value)}`)
  return r.error
}

// The examples the AsyncAPI document ships are the valid payloads these tests start from.
const sample: RawSample = MESSAGE_EXAMPLES[MessageIds.raw]
const windowAggregate: WindowAggregate = MESSAGE_EXAMPLES[MessageIds.window]
const anomaly: AnomalyEvent = MESSAGE_EXAMPLES[MessageIds.anomaly]
const status: ServiceStatus = MESSAGE_EXAMPLES[MessageIds.status]
const metricsExample = MESSAGE_EXAMPLES[MessageIds.metrics]
const metrics: ServiceMetrics = {
  ...metricsExample,
  hops: {
    ...metricsExample.hops,
    // An outbound hop has no gaps or latency: those fields are simply absent.
    'window-out': {
      direction: 'out',
      qos: 0,
      policy: 'block',
      in: 100,
      out: 100,
      dropped: {},
      rejected: 0,
      queue: { length: 0, capacity: 1000 },
      state: 'ok',
    },
  },
}

describe('payload types', () => {
  it('keeps the wire sample and @sluice/stream Sample the same shape', () => {
    expectTypeOf<RawSample>().toEqualTypeOf<{
      seq: number
      t: number
      value: number
      ingest: number
      dropped?: number
    }>()
    expectTypeOf<Sample>().toExtend<RawSample>()
    expectTypeOf<RawSample>().toExtend<Sample>()
  })

  it('gives every schema its message id as $id', () => {
    for (const [id, schema] of Object.entries(MessageSchemas)) expect(schema.$id).toBe(id)
  })
})

describe('raw samples', () => {
  it('round-trips a sample through encode and decodeRaw', () => {
    expect(decodeRaw(encode(sample))).toEqual({ ok: true, value: sample })
  })

  it('normalises a lone sample and a batch into Sample[] in payload order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            seq: fc.nat(),
            t: fc.double({ min: 0, max: TIME_MS_MAX, noNaN: true }),
            value: fc.double({ noNaN: true, noDefaultInfinity: true }),
            ingest: fc.double({ min: 0, max: TIME_MS_MAX, noNaN: true }),
          }),
          { minLength: 1, maxLength: 50 },
        ),
        (samples) => {
          // JSON turns -0 into 0; compare what JSON can carry.
          const expected = samples.map((s) => JSON.parse(JSON.stringify(s)) as Sample)
          expect(decodeRawSamples(encode(toRawBatch(samples)))).toEqual({
            ok: true,
            value: expected,
          })
          expect(decodeRawSamples(encode(samples[0]!))).toEqual({ ok: true, value: [expected[0]] })
        },
      ),
    )
  })

  it('drops unknown fields so every decoded sample has one shape', () => {
    const r = decodeRawSamples('{"seq":1,"t":2,"value":3,"ingest":4,"extra":"x"}')
    expect(r).toEqual({ ok: true, value: [{ seq: 1, t: 2, value: 3, ingest: 4 }] })
  })

  it('rejects a time outside 0 … TIME_MS_MAX, lone or in a batch, naming the range', () => {
    // Issue 11, item 1: t = 1e19 stalled windowing; t = 1e17 poisoned its sensor.
    for (const t of [1e19, 1e17, -1, TIME_MS_MAX + 1]) {
      const err = errorOf(decodeRaw(encode({ ...sample, t })))
      expect(err.issues).toEqual([
        {
          path: '/t',
          message: `expected a time in ms since the epoch, 0 to ${TIME_MS_MAX} (year 2286), got ${t}`,
        },
      ])
      expect(decodeRawSamples(encode({ ...sample, ingest: t })).ok).toBe(false)
      const batch = { seq: [1, 2], t: [1000, t], value: [1, 2], ingest: [1000, 1000] }
      expect(errorOf(decodeRawSamples(encodeText(batch))).issues[0]!.path).toBe('/t/1')
    }
    expect(decodeRaw(encode({ ...sample, t: TIME_MS_MAX })).ok).toBe(true)
  })

  it('carries the upstream drop count of a sample or a batch on its first sample', () => {
    expect(decodeRawSamples(encodeText({ ...sample, dropped: 7 }))).toEqual({
      ok: true,
      value: [{ ...sample, dropped: 7 }],
    })
    const batch = { seq: [5, 6], t: [10, 11], value: [1, 2], ingest: [12, 13], dropped: 3 }
    expect(decodeRawSamples(encodeText(batch))).toEqual({
      ok: true,
      value: [
        { seq: 5, t: 10, value: 1, ingest: 12, dropped: 3 },
        { seq: 6, t: 11, value: 2, ingest: 13 },
      ],
    })
    expect(errorOf(decodeRawSamples(encodeText({ ...batch, dropped: -1 }))).issues).toEqual([
      { path: '/dropped', message: 'expected an integer ≥ 0, got -1' },
    ])
  })

  it('rejects NaN and Infinity that reached the wire as null or 1e999', () => {
    const nan = errorOf(decodeRaw(encode({ ...sample, value: Number.NaN })))
    expect(nan.message).toBe(
      'Invalid sluice.v1.raw payload: /value: expected a finite number, got null',
    )
    const inf = errorOf(decodeRaw('{"seq":1,"t":1e999,"value":1,"ingest":1}'))
    expect(inf.issues).toEqual([
      {
        path: '/t',
        message: `expected a time in ms since the epoch, 0 to ${TIME_MS_MAX} (year 2286), got Infinity`,
      },
    ])
  })

  it('rejects strings, missing fields and bad sequence numbers, naming each field', () => {
    const err = errorOf(decodeRaw('{"seq":-1,"t":"1000","ingest":1}'))
    expect(err).toBeInstanceOf(InvalidPayloadError)
    expect(err.code).toBe('SLUICE_ERR_CONTRACT_INVALID_PAYLOAD')
    expect(err.messageId).toBe('sluice.v1.raw')
    expect(err.issues).toEqual([
      { path: '/seq', message: 'expected an integer ≥ 0, got -1' },
      {
        path: '/t',
        message: `expected a time in ms since the epoch, 0 to ${TIME_MS_MAX} (year 2286), got string "1000"`,
      },
      { path: '/value', message: 'missing (required)' },
    ])
    expect(errorOf(decodeRaw('{"seq":1.5,"t":1,"value":1,"ingest":1}')).issues[0]!.path).toBe(
      '/seq',
    )
  })

  it('reports at most maxIssues problems', () => {
    expect(errorOf(decodeRaw('{}', { maxIssues: 2 })).issues).toHaveLength(2)
    expect(errorOf(decodeRaw('{}')).issues).toHaveLength(4)
  })

  it('rejects bytes that are not UTF-8, not JSON, or not an object, without throwing', () => {
    expect(errorOf(decodeRawSamples(new Uint8Array([0xff, 0xfe, 0x7b]))).message).toContain(
      'not valid UTF-8',
    )
    expect(errorOf(decodeRawSamples('{"seq":')).message).toContain('payload is not JSON')
    // An array is read as a SenML pack (device-forms.ts), and these are not records.
    expect(errorOf(decodeRawSamples('[1,2]')).message).toContain('expected a SenML record')
    expect(errorOf(decodeRawSamples('"23.5"')).message).toContain('expected a JSON object')
    expect(errorOf(decodeRawSamples('null')).message).toContain('got null')
  })

  it('rejects a batch whose arrays have different lengths, saying which', () => {
    const err = errorOf(decodeRawBatch('{"seq":[1,2],"t":[1,2],"value":[5],"ingest":[1,2]}'))
    expect(err.messageId).toBe('sluice.v1.raw-batch')
    expect(err.issues).toEqual([
      {
        path: '/value',
        message: 'batch arrays must have equal lengths, but seq has 2 items and value has 1',
      },
    ])
    expect(decodeRawSamples('{"seq":[1,2],"t":[1,2],"value":[5],"ingest":[1,2]}').ok).toBe(false)
  })

  it('rejects a batch with a bad item, an empty batch and an oversized batch', () => {
    expect(
      errorOf(decodeRawBatch('{"seq":[1,2],"t":[1,2],"value":[5,"6"],"ingest":[1,2]}')).issues,
    ).toEqual([{ path: '/value/1', message: 'expected a finite number, got string "6"' }])
    expect(errorOf(decodeRawBatch('{"seq":[],"t":[],"value":[],"ingest":[]}')).issues[0]).toEqual({
      path: '/seq',
      message: `expected 1 to ${RAW_BATCH_MAX_SAMPLES} items, got 0`,
    })
    const n = RAW_BATCH_MAX_SAMPLES + 1
    const big = Array.from({ length: n }, (_, i) => i)
    expect(decodeRawBatch(encodeText({ seq: big, t: big, value: big, ingest: big })).ok).toBe(false)
  })

  it('accepts exactly what the JSON Schemas accept (hand-written checks match the schemas)', () => {
    const num = fc.oneof(
      fc.double(),
      fc.integer({ min: -5, max: 5 }),
      fc.constant(Number.MAX_SAFE_INTEGER + 2),
      fc.constantFrom(1e19, 1e17, TIME_MS_MAX, TIME_MS_MAX + 1),
      fc.string({ maxLength: 2 }),
      fc.constant(null),
      fc.boolean(),
    )
    const field = fc.option(num, { nil: undefined })
    const arr = fc.option(fc.array(num, { minLength: 0, maxLength: 3 }), { nil: undefined })
    const sampleLike = fc.record(
      { seq: field, t: field, value: field, ingest: field, dropped: field },
      { requiredKeys: [] },
    )
    // Batches are mostly well-formed (same length, good numbers) so the rare bad item or length is
    // what decides, which is where hand-written checks go wrong.
    const item = fc.oneof(
      { weight: 12, arbitrary: fc.nat({ max: 1e6 }) },
      { weight: 1, arbitrary: num },
    )
    const column = (n: number) =>
      fc.oneof(
        { weight: 10, arbitrary: fc.array(item, { minLength: n, maxLength: n }) },
        { weight: 1, arbitrary: arr },
      )
    const batchLike = fc
      .integer({ min: 1, max: 4 })
      .chain((n) =>
        fc.record(
          { seq: column(n), t: column(n), value: column(n), ingest: column(n), dropped: field },
          { requiredKeys: ['seq', 't', 'value', 'ingest'] },
        ),
      )
    fc.assert(
      fc.property(sampleLike, (o) => {
        // Compare on the value the decoder sees: what JSON.parse returns (undefined fields vanish).
        const wire = JSON.parse(JSON.stringify(o)) as unknown
        expect(decodeRaw(JSON.stringify(o)).ok).toBe(Value.Check(RawSampleSchema, wire))
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(batchLike, (o) => {
        const wire = JSON.parse(JSON.stringify(o)) as Record<string, unknown[]>
        const arrays = [wire.seq, wire.t, wire.value, wire.ingest]
        const lengths = new Set(arrays.map((a) => (Array.isArray(a) ? a.length : -1)))
        const expected = Value.Check(RawBatchSchema, wire) && lengths.size === 1
        expect(decodeRawBatch(JSON.stringify(o)).ok).toBe(expected)
        // decodeRawSamples has its own one-pass batch path; it must agree too (when seq is an array).
        if (Array.isArray(wire.seq)) expect(decodeRawSamples(JSON.stringify(o)).ok).toBe(expected)
      }),
      { numRuns: 500 },
    )
  })
})

describe('window, anomaly, status, metrics and rate messages', () => {
  it('decodes a v1 anomaly event (no scope, no episode) as well as a v2 one, and checks the episode', () => {
    const v1: AnomalyEvent = { ...anomaly }
    delete v1.scope
    delete v1.episode
    expect(anomaly.episode?.phase).toBe('start')
    expect(decodeAnomaly(encode(v1))).toEqual({ ok: true, value: v1 })
    const bad = { ...anomaly, episode: { ...anomaly.episode, phase: 'middle' } }
    expect(decodeAnomaly(encodeText(bad)).ok).toBe(false)
  })

  it('round-trips a valid example of each', () => {
    expect(decodeWindow(encode(windowAggregate))).toEqual({ ok: true, value: windowAggregate })
    expect(decodeAnomaly(encode(anomaly))).toEqual({ ok: true, value: anomaly })
    expect(decodeStatus(encode(status))).toEqual({ ok: true, value: status })
    expect(
      decodeStatus(encodeText({ state: 'offline', version: '1', host: 'h', since: 1 })).ok,
    ).toBe(true)
    expect(decodeMetrics(encode(metrics))).toEqual({ ok: true, value: metrics })
    expect(decodeRate(encode({ hz: 10 }))).toEqual({ ok: true, value: { hz: 10 } })
  })

  it('names the wrong field, the rule and the value', () => {
    const err = errorOf(
      decodeWindow(JSON.stringify({ ...windowAggregate, count: 1.5, kind: 'rolling' })),
    )
    expect(err.messageId).toBe('sluice.v1.window')
    expect(err.issues).toEqual([
      {
        path: '/kind',
        message:
          'expected one of "tumbling", "hopping", "sliding", "session", got string "rolling"',
      },
      { path: '/count', message: 'expected integer, got 1.5' },
    ])
  })

  it('reads a window topic in either form: a lone aggregate, or a batch of them in order', () => {
    const next = { ...windowAggregate, seqFrom: 1050, seqTo: 1099, ingestMax: 1732480010001.2 }
    expect(decodeWindows(encode(windowAggregate))).toEqual({ ok: true, value: [windowAggregate] })
    expect(decodeWindows(encodeText([windowAggregate, next]))).toEqual({
      ok: true,
      value: [windowAggregate, next],
    })
    expect(decodeWindowBatch(encodeText([next]))).toEqual({ ok: true, value: [next] })
    // A lone aggregate is not a batch, nor a batch a lone aggregate.
    expect(decodeWindowBatch(encode(windowAggregate)).ok).toBe(false)
    expect(decodeWindow(encodeText([windowAggregate])).ok).toBe(false)
  })

  it('names the bad aggregate of a batch by its index, and rejects an empty batch', () => {
    const err = errorOf(
      decodeWindows(encodeText([windowAggregate, { ...windowAggregate, std: -1 }])),
    )
    expect(err.messageId).toBe('sluice.v1.window-batch')
    expect(err.issues[0]!.path).toBe('/1/std')
    expect(errorOf(decodeWindows('[]')).issues[0]!.message).toMatch(
      /array length to be greater or equal to 1/,
    )
    expect(errorOf(decodeWindows('42')).messageId).toBe('sluice.v1.window')
    expect(errorOf(decodeWindows('[1')).issues[0]!.message).toMatch(/not JSON/)
  })

  it('groups missing fields into one issue per object so wrong fields still show', () => {
    const err = errorOf(decodeWindow('{"window":"w5s","kind":"bad"}'))
    expect(err.issues[0]!.path).toBe('/kind')
    expect(err.issues[1]).toEqual({
      path: '/',
      message:
        'missing required fields start, end, count, mean, std, min, max, first, last, seqFrom, seqTo, late, ingestMax',
    })
  })

  it('rejects bad nested values in metrics with their JSON pointer', () => {
    const bad = structuredClone(metrics) as unknown as {
      hops: Record<string, Record<string, unknown>>
    }
    bad.hops['raw-in']!.qos = 3
    bad.hops['raw-in']!.dropped = { oldest: -1 }
    const err = errorOf(decodeMetrics(encodeText(bad as unknown as ServiceMetrics)))
    expect(err.issues.map((i) => i.path)).toEqual([
      '/hops/raw-in/qos',
      '/hops/raw-in/dropped/oldest',
    ])
    expect(err.issues[0]!.message).toBe('expected one of 0, 1, 2, got 3')
  })

  it("accepts the serial bridge's device figures on a hop and rejects an unknown device mode", () => {
    const device = {
      direction: 'in' as const,
      qos: 0 as const,
      policy: 'drop-newest' as const,
      in: 100,
      out: 80,
      dropped: { edge: 20 },
      rejected: 0,
      queue: { length: 0, capacity: 0 },
      state: 'warning' as const,
      device: {
        id: 'arduino',
        mode: 'edge' as const,
        pressure: 'downstream' as const,
        targetHz: 40,
        appliedHz: 10,
        ackedHz: 40,
        commands: 2,
        edgeDropped: 20,
      },
    }
    const m = { ...metrics, hops: { device } }
    expect(decodeMetrics(encode(m))).toEqual({ ok: true, value: m })
    const bad = {
      ...m,
      hops: { device: { ...device, device: { ...device.device, mode: 'slow' } } },
    }
    const err = errorOf(decodeMetrics(encodeText(bad as unknown as ServiceMetrics)))
    expect(err.issues.map((i) => i.path)).toEqual(['/hops/device/device/mode'])
  })

  it('rejects out-of-range rates and non-identifier service names', () => {
    expect(decodeRate('{"hz":0}').ok).toBe(false)
    expect(decodeRate('{"hz":-5}').ok).toBe(false)
    expect(decodeRate('{"hz":"10"}').ok).toBe(false)
    expect(decodeRate('{"hz":1e999}').ok).toBe(false)
    expect(decodeStatus(encodeText({ ...status, service: 'Bad Name' })).ok).toBe(false)
    expect(decodeAnomaly(encodeText({ ...anomaly, level: 'normal' as 'unusual' })).ok).toBe(false)
  })

  it('decodes by message id', () => {
    const r = decodeMessage(MessageIds.window, encode(windowAggregate))
    expectTypeOf(r).toEqualTypeOf<DecodeResult<WindowAggregate>>()
    expect(r.ok).toBe(true)
    expect(decodeMessage(MessageIds.rawBatch, encode(sample)).ok).toBe(false)
    expect(decodeMessage(MessageIds.raw, encode(sample)).ok).toBe(true)
  })
})
