import type { Sample } from '@sluice/stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeRawSamples, encode } from './codec.js'
import { TIME_MS_MAX } from './payloads/common.js'
import { RAW_BATCH_MAX_SAMPLES, toRawBatch } from './payloads/raw.js'
import { samplesFromColumns, scanRawBatch, scanRawColumns } from './raw-batch-scan.js'

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text)

/** What the JSON path makes of the same text (a string input never takes the scan). */
function viaJson(text: string): Sample[] | undefined {
  const r = decodeRawSamples(text)
  return r.ok ? r.value : undefined
}

/** Equal sample by sample, field by field, with Object.is (so -0 and 0 differ). */
function expectSame(a: readonly Sample[], b: readonly Sample[]): void {
  expect(a.length).toBe(b.length)
  a.forEach((s, i) => {
    const o = b[i]!
    expect(Object.keys(s)).toEqual(Object.keys(o))
    for (const k of Object.keys(s) as (keyof Sample)[]) expect(Object.is(s[k], o[k])).toBe(true)
  })
}

// Times as the bridge stamps them (to the microsecond), whole, and at full precision.
const time = fc.oneof(
  fc.integer({ min: 0, max: TIME_MS_MAX }),
  fc.integer({ min: 0, max: TIME_MS_MAX * 1000 }).map((us) => us / 1000),
  fc.double({ min: 0, max: TIME_MS_MAX, noNaN: true }),
)
// Values as sensors print them, and any double (tiny, huge, negative zero, 17 digits).
const value = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.integer({ min: -1e9, max: 1e9 }).map((k) => k / 1000),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(
    -0,
    1e-7,
    1e-23,
    2.5e-30,
    5e-324,
    1.5e21,
    1e22,
    1e23,
    9007199254740991,
    9007199254740993,
  ),
)
const samples = fc.array(
  fc.record({ seq: fc.nat(), t: time, value, ingest: time }, { noNullPrototype: true }),
  { minLength: 1, maxLength: 20 },
)
const withDropped = fc.tuple(samples, fc.option(fc.nat({ max: 1000 }), { nil: undefined }))

describe('scanRawBatch', () => {
  it('reads what the bridge writes into the very samples JSON.parse gives, or leaves it', () => {
    fc.assert(
      fc.property(withDropped, ([batch, dropped]) => {
        const wire = dropped === undefined ? toRawBatch(batch) : { ...toRawBatch(batch), dropped }
        const text = JSON.stringify(wire)
        const scanned = scanRawBatch(bytesOf(text))
        const parsed = viaJson(text)
        expect(parsed).toBeDefined()
        if (scanned !== undefined) expectSame(scanned, parsed!)
        // Through the decoder every consumer calls, bytes and text agree either way.
        const r = decodeRawSamples(encode(wire))
        expect(r.ok).toBe(true)
        if (r.ok) expectSame(r.value, parsed!)
      }),
      { numRuns: 1000 },
    )
  })

  it('reads a lone sample, as the bridge sends one, into the very sample JSON.parse gives', () => {
    const lone = fc.tuple(samples, fc.option(fc.nat({ max: 1000 }), { nil: undefined }))
    fc.assert(
      fc.property(lone, ([[sample], dropped]) => {
        const wire = dropped === undefined ? sample! : { ...sample!, dropped }
        const text = JSON.stringify(wire)
        const parsed = viaJson(text)
        expect(parsed).toBeDefined()
        const scanned = scanRawBatch(bytesOf(text))
        expect(scanned).toBeDefined()
        expectSame(scanned!, parsed!)
        expect(scanRawColumns(bytesOf(text))?.n).toBe(1)
      }),
      { numRuns: 1000 },
    )
    // A `dropped` of 0 is absent on both paths, as on a batch's first sample.
    const zero = '{"seq":1,"t":0,"value":5,"ingest":1,"dropped":0}'
    expect(viaJson(zero)![0]).not.toHaveProperty('dropped')
    expectSame(scanRawBatch(bytesOf(zero))!, viaJson(zero)!)
    expectSame(
      viaJson(zero)!,
      viaJson(
        JSON.stringify({ ...toRawBatch([{ seq: 1, t: 0, value: 5, ingest: 1 }]), dropped: 0 }),
      )!,
    )
  })

  it('reads the same samples into columns, made on demand over any range, the first with the drops', () => {
    fc.assert(
      fc.property(withDropped, fc.nat(), fc.nat(), ([batch, dropped], a, b) => {
        const wire = dropped === undefined ? toRawBatch(batch) : { ...toRawBatch(batch), dropped }
        const bytes = encode(wire)
        const whole = scanRawBatch(bytes)
        const c = scanRawColumns(bytes)
        expect(c === undefined).toBe(whole === undefined)
        if (c === undefined || whole === undefined) return
        expect(c.n).toBe(batch.length)
        const from = a % (c.n + 1)
        const to = from + (b % (c.n - from + 1))
        const into: Sample[] = [whole[0]!]
        expect(samplesFromColumns(c, from, to, into, 1)).toBe(1 + to - from)
        expectSame(into.slice(1), whole.slice(from, to))
      }),
      { numRuns: 500 },
    )
  })

  it('takes every batch of microsecond times and printed values (the fast path is exact there)', () => {
    // A time in µs has at most 16 digits, within 2^53 until the year 2255.
    const us = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map((k) => k / 1000)
    const printed = fc.record({
      seq: fc.nat(),
      t: us,
      value: fc.integer({ min: -1e9, max: 1e9 }).map((k) => k / 100),
      ingest: us,
    })
    fc.assert(
      fc.property(fc.array(printed, { minLength: 1, maxLength: 50 }), (batch) => {
        const text = JSON.stringify(toRawBatch(batch))
        const scanned = scanRawBatch(bytesOf(text))
        expect(scanned).toBeDefined()
        expectSame(scanned!, viaJson(text)!)
      }),
      { numRuns: 500 },
    )
  })

  it('never accepts what JSON rejects, nor reads it differently, after any one-byte change', () => {
    const batch = JSON.stringify({
      ...toRawBatch([
        { seq: 7, t: 1764780000000.125, value: -2.5, ingest: 1764780000000.5 },
        { seq: 8, t: 1764780000010, value: 1e-7, ingest: 1764780000010.25 },
      ]),
      dropped: 3,
    })
    const lone = JSON.stringify({
      seq: 7,
      t: 1764780000000.125,
      value: -2.5,
      ingest: 1.5,
      dropped: 3,
    })
    const alphabet = '{}[],:"0123456789-+.eE tsqvaluingdrop'
    const edit = fc.tuple(
      fc.constantFrom(batch, lone),
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'replace'),
      fc.constantFrom(...Array.from(alphabet)),
    )
    fc.assert(
      fc.property(edit, ([base, n, how, ch]) => {
        const at = n % base.length
        const text =
          how === 'delete'
            ? base.slice(0, at) + base.slice(at + 1)
            : base.slice(0, at) + ch + base.slice(how === 'insert' ? at : at + 1)
        const scanned = scanRawBatch(bytesOf(text))
        if (scanned === undefined) return
        const parsed = viaJson(text)
        expect(parsed).toBeDefined()
        expectSame(scanned, parsed!)
      }),
      { numRuns: 6000 },
    )
  })

  it('leaves other forms to the JSON path, which still decodes or explains them', () => {
    const other = [
      '{"seq": [1], "t": [0], "value": [5], "ingest": [1]}', // whitespace
      '{"t":[0],"seq":[1],"value":[5],"ingest":[1]}', // key order
      '{"seq":[1],"t":[0],"value":[5],"ingest":[1],"extra":1}',
      '{"seq":1,"t":0,"value":5,"ingest":1,"extra":1}',
      '{"seq":1,"t":0,"value":5}', // no ingest: the JSON path's device form
      '5', // a bare number, also a device form
    ]
    for (const text of other) {
      expect(scanRawBatch(bytesOf(text))).toBeUndefined()
      expect(decodeRawSamples(bytesOf(text)).ok).toBe(true)
    }
    const bad = [
      '{"seq":[1],"t":[0],"value":[01],"ingest":[1]}', // a leading zero
      '{"seq":[1],"t":[0],"value":[1.],"ingest":[1]}',
      '{"seq":[1],"t":[0],"value":[-],"ingest":[1]}',
      '{"seq":[1],"t":[0],"value":[1e],"ingest":[1]}',
      '{"seq":[1,2],"t":[0],"value":[5,6],"ingest":[1,2]}', // lengths differ
      '{"seq":[],"t":[],"value":[],"ingest":[]}',
      '{"seq":[1.5],"t":[0],"value":[5],"ingest":[1]}',
      '{"seq":[1],"t":[-1],"value":[5],"ingest":[1]}',
      `{"seq":[1],"t":[${TIME_MS_MAX + 1}],"value":[5],"ingest":[1]}`,
      '{"seq":[1],"t":[0],"value":[5],"ingest":[1],"dropped":-1}',
      '{"seq":[1],"t":[0],"value":[5],"ingest":[1]} ',
    ]
    // Not lone samples by the raw rules; the JSON path reads them as a device's `{value}` (device-forms.ts).
    for (const text of [
      '{"seq":1.5,"t":0,"value":5,"ingest":1}',
      '{"seq":1,"t":[0],"value":5,"ingest":1}',
    ])
      expect(scanRawBatch(bytesOf(text))).toBeUndefined()
    for (const text of bad) expect(scanRawBatch(bytesOf(text))).toBeUndefined()
    for (const text of bad.slice(0, -1)) expect(decodeRawSamples(bytesOf(text)).ok).toBe(false)
  })

  it('reads numbers beyond the fast path from their text, as JSON.parse does', () => {
    for (const v of ['12345678901234567', '1e23', '0.00000000000000000000001', '1e-400', '2e308']) {
      const text = `{"seq":[1],"t":[0],"value":[${v}],"ingest":[1]}`
      const scanned = scanRawBatch(bytesOf(text))
      const parsed = JSON.parse(text) as { value: number[] }
      expect(Object.is(scanned?.[0]?.value, parsed.value[0])).toBe(Number.isFinite(parsed.value[0]))
    }
  })

  it('leaves a number of a million digits to the JSON path, which rejects it, without throwing', () => {
    const text = `{"seq":[1],"t":[0],"value":[${'9'.repeat(1_000_000)}],"ingest":[1]}`
    expect(scanRawBatch(bytesOf(text))).toBeUndefined()
    expect(decodeRawSamples(bytesOf(text)).ok).toBe(false)
  })

  it('reads exponents and signs as JSON does, and caps a batch at its maximum size', () => {
    const text =
      '{"seq":[0,1,2,3],"t":[1E3,2.5e+3,0,1e-3],"value":[-0,-0.0,-1.25e-5,4e22],"ingest":[0,0,0,0]}'
    expectSame(scanRawBatch(bytesOf(text))!, viaJson(text)!)
    const n = RAW_BATCH_MAX_SAMPLES
    const full = (k: number) =>
      JSON.stringify(
        toRawBatch(Array.from({ length: k }, (_, i) => ({ seq: i, t: i, value: i, ingest: i }))),
      )
    expect(scanRawBatch(bytesOf(full(n)))).toHaveLength(n)
    expect(scanRawBatch(bytesOf(full(n + 1)))).toBeUndefined()
  })
})
