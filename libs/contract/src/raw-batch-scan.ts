/**
 * @module raw-batch-scan
 * The raw batch's fast path (issue 16): every consumer decodes every raw message, and `TextDecoder` plus
 * `JSON.parse` was the largest single cost of the windowing service under load. This reads the exact form
 * the bridge writes, `{"seq":[…],"t":[…],"value":[…],"ingest":[…]}` with an optional `,"dropped":n` (the
 * key order of `JSON.stringify(toRawBatch(…))`, no whitespace), straight from the bytes into samples; and
 * the form it sends a lone sample in, `{"seq":n,"t":n,"value":n,"ingest":n}` (the same keys and rules, one
 * number each), which is every message at low rates.
 *
 * - **The same numbers as `JSON.parse`, bit for bit.** Where its digits form an integer m ≤ 2^53 − 1 and
 *   its decimal exponent e is within ±22, m and 10^|e| are both exact doubles and one multiplication or
 *   division rounds correctly (Clinger, "How to read floating point numbers accurately", 1990: the fast
 *   path). Times stamped to the microsecond (`epochMs`; 16 digits, within 2^53 until the year 2255) and
 *   the values sensors print are such numbers. Any other (17 significant digits, a far exponent) is read
 *   from its text by `Number`, which rounds as `JSON.parse` does.
 * - **Any other form goes back to the JSON path**, which also explains what is wrong: another key order,
 *   whitespace, another key, a string, a malformed number. This returns `undefined` then.
 * - **The same rules** as the JSON path's batch check (`samplesFromBatch` in `codec.ts`; a property test
 *   holds the two equal): 1 to {@link RAW_BATCH_MAX_SAMPLES} samples, arrays of one length, `seq` an
 *   integer ≥ 0, `t` and `ingest` times, `value` finite, `dropped` an integer ≥ 0 carried by the first
 *   sample; for a lone sample, those of `decodeSampleObject`. Browser-safe.
 */
import type { Sample } from '@sluice/stream'
import { isCount } from './payloads/common.js'
import { RAW_BATCH_MAX_SAMPLES, isRawSample } from './payloads/raw.js'

/** 10^0 … 10^22: every one an exact double. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`))

/** `"seq":` … `"ingest":`, the keys of a sample's fields in the bridge's order. */
const FIELDS = ['seq', 't', 'value', 'ingest'].map((k) =>
  Array.from(`"${k}":`, (c) => c.charCodeAt(0)),
)
/** `"seq":[` … `"ingest":[`, the keys of a batch's columns. */
const KEYS = FIELDS.map((key) => [...key, 0x5b])
const DROPPED = Array.from(',"dropped":', (c) => c.charCodeAt(0))
/**
 * The columns being read, reused by every call (a call runs to its end before another starts), grown
 * to the longest batch seen.
 */
let columns: Float64Array[] = KEYS.map(() => new Float64Array(0))

const BRACE_END = 0x7d // }
const COMMA = 0x2c
const BRACKET_END = 0x5d // ]
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

const isDigit = (c: number | undefined): c is number => c !== undefined && c >= ZERO && c <= NINE

/** Reads `expected` at `at`; the position after it, or -1. */
function literal(bytes: Uint8Array, at: number, expected: readonly number[]): number {
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return -1
  return at + expected.length
}

/**
 * Where the last {@link number} ended, and what it read (module state: one call at a time). The value is
 * kept in a typed array, not a `let`: a double stored in a module variable is boxed, one heap number per
 * number read, and an allocation profile of the mesh had them at 3 % of every byte allocated.
 */
let end = 0
const read = new Float64Array(1)

/** The longest number text read here from its characters. */
const MAX_NUMBER_TEXT = 64

/** The text of a number the fast path cannot take exactly, read as JSON.parse reads it. */
function slowNumber(bytes: Uint8Array, from: number, to: number): number {
  return Number(String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]))
}

/**
 * Reads the JSON number at `at` into `read` (its end into `end`); false if there is none. One function
 * with local variables: this runs four times per sample.
 */
function number(bytes: Uint8Array, at: number): boolean {
  const from = at
  const negative = bytes[at] === MINUS
  if (negative) at++
  let c = bytes[at]
  if (!isDigit(c)) return false
  let m = 0
  let e = 0
  // JSON allows no leading zero: "0" is a whole integer part.
  if (c === ZERO) c = bytes[++at]
  else for (; isDigit(c); c = bytes[++at]) m = m * 10 + (c - ZERO)
  if (c === DOT) {
    c = bytes[++at]
    if (!isDigit(c)) return false
    for (; isDigit(c); c = bytes[++at], e--) m = m * 10 + (c - ZERO)
  }
  if (c === 0x65 || c === 0x45) {
    c = bytes[++at]
    const sign = c === MINUS ? -1 : 1
    if (c === MINUS || c === PLUS) c = bytes[++at]
    const digitsFrom = at
    let x = 0
    for (; isDigit(c); c = bytes[++at]) x = x * 10 + (c - ZERO)
    if (at === digitsFrom) return false
    // A longer exponent only matters to the slow path, which reads the text.
    e = at - digitsFrom > 3 ? Infinity : e + sign * x
  }
  end = at
  // Past 2^53 − 1 the digits were not summed exactly (and stay past it).
  if (m > Number.MAX_SAFE_INTEGER || e < -22 || e > 22) {
    // No producer writes a number this long (a double needs at most 25 characters): the JSON path's.
    if (at - from > MAX_NUMBER_TEXT) return false
    read[0] = slowNumber(bytes, from, at)
    return true
  }
  const v = e >= 0 ? m * POW10[e]! : m / POW10[-e]!
  read[0] = negative ? -v : v
  return true
}

/** Reads one `"key":[n,n,…]` at `at` into column `k`; the count (its end into `end`), or -1. */
function column(bytes: Uint8Array, at: number, k: number): number {
  at = literal(bytes, at, KEYS[k]!)
  if (at < 0) return -1
  let into = columns[k]!
  let n = 0
  for (;;) {
    if (n === RAW_BATCH_MAX_SAMPLES || !number(bytes, at)) return -1
    if (n === into.length) into = grow(n)[k]!
    into[n++] = read[0]!
    const next = bytes[end]
    at = end + 1
    if (next === BRACKET_END) {
      end = at
      return n
    }
    if (next !== COMMA) return -1
  }
}

/** Columns with room for more than `n` samples, keeping what they hold. */
function grow(n: number): Float64Array[] {
  const size = Math.min(RAW_BATCH_MAX_SAMPLES, Math.max(128, 2 * n))
  columns = columns.map((old) => {
    const next = new Float64Array(size)
    next.set(old)
    return next
  })
  return columns
}

/**
 * A raw batch read into columns (issue 16): `n` samples whose seq, t, value and ingest are `data[i]`,
 * `data[n + i]`, `data[2n + i]` and `data[3n + i]`, checked by the batch's rules, and the batch's
 * upstream `dropped` (0 when absent). One array per message instead of an object per sample: a
 * hop queues these and makes the samples only when it hands them on ({@link samplesFromColumns}), so
 * samples waiting in a queue are not objects the garbage collector has to copy and promote.
 */
export interface RawColumns {
  readonly n: number
  readonly dropped: number
  readonly data: readonly number[]
}

/** The columns read, copied out of the shared buffers, if every sample passes the batch's rules. */
function columnsOf(n: number, dropped: number): RawColumns | undefined {
  const [seq, t, value, ingest] = columns as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ]
  // A plain array of doubles, which V8 keeps unboxed in one block of its own heap.
  const data = new Array<number>(4 * n)
  for (let i = 0; i < n; i++) {
    // A number read from its text may be out of range (2e308 is Infinity): the same check as JSON's path.
    if (!isRawSample(seq[i], t[i], value[i], ingest[i])) return undefined
    data[i] = seq[i]!
    data[n + i] = t[i]!
    data[2 * n + i] = value[i]!
    data[3 * n + i] = ingest[i]!
  }
  return { n, dropped, data }
}

/**
 * A sample made from columns. Made by `new` rather than as an object literal: V8 may decide from a few
 * garbage collections that whatever a literal's site makes lives long, and then allocate it in the old
 * generation from then on (allocation-site pretenuring); it does not do that for `new`. With a literal,
 * 15 of 20 runs of an inbound hop over 300 000 samples (a scratch loop like the hop case of
 * bench/micro/consumers) took 280–335 ns a sample instead of 185, about half of it in the collector; with
 * `new`, none of 10 did. Its own fields are those of the literal, in the same order.
 */
class ScannedSample implements Sample {
  readonly seq: number
  readonly t: number
  readonly value: number
  readonly ingest: number
  constructor(seq: number, t: number, value: number, ingest: number) {
    this.seq = seq
    this.t = t
    this.value = value
    this.ingest = ingest
  }
}

/**
 * Makes samples `from` … `to − 1` of `c` into `into`, from index `at`; returns the index after the last.
 * They are what {@link scanRawBatch} gives for the same batch, the first carrying the batch's `dropped`.
 */
export function samplesFromColumns(
  c: RawColumns,
  from: number,
  to: number,
  into: Sample[],
  at: number,
): number {
  const { n, data, dropped } = c
  for (let i = from; i < to; i++) {
    const seq = data[i]!
    const t = data[n + i]!
    const value = data[2 * n + i]!
    const ingest = data[3 * n + i]!
    // The first carries the batch's upstream drops, built whole in the one shape such a sample has.
    into[at++] =
      i === 0 && dropped > 0
        ? { seq, t, value, ingest, dropped }
        : new ScannedSample(seq, t, value, ingest)
  }
  return at
}

/** Every sample of `c`, as {@link scanRawBatch} gives them. */
export function columnSamples(c: RawColumns): Sample[] {
  const samples = new Array<Sample>(c.n)
  samplesFromColumns(c, 0, c.n, samples, 0)
  return samples
}

/**
 * The columns of a raw batch, or of a lone sample, in the bridge's exact form, or `undefined` for anything
 * else (the caller then takes the JSON path, which decodes or explains it).
 *
 * @example
 * scanRawColumns(encode(toRawBatch(samples)))?.n // samples.length
 * scanRawColumns(encode({ seq: 1, t: 0, value: 5, ingest: 1 }))?.n // 1
 */
export function scanRawColumns(bytes: Uint8Array): RawColumns | undefined {
  if (bytes[0] !== 0x7b) return undefined // {
  // `{"seq":[` opens a batch; `{"seq":` and a number, one sample.
  const single = bytes[1 + FIELDS[0]!.length] !== 0x5b
  const n = single ? sampleFields(bytes) : batchColumns(bytes)
  if (n < 1) return undefined
  let at = end
  let dropped = 0
  if (bytes[at] === COMMA) {
    at = literal(bytes, at, DROPPED)
    if (at < 0 || !number(bytes, at)) return undefined
    dropped = read[0]!
    at = end
    if (!isCount(dropped)) return undefined
  }
  if (bytes[at] !== BRACE_END || at + 1 !== bytes.length) return undefined
  return columnsOf(n, dropped)
}

/** Reads a batch's four columns after its `{`; their length (their end into `end`), or -1. */
function batchColumns(bytes: Uint8Array): number {
  let at = 1
  let n = -1
  for (let k = 0; k < KEYS.length; k++) {
    if (k > 0 && bytes[at++] !== COMMA) return -1
    const count = column(bytes, at, k)
    if (count < 1 || (n >= 0 && count !== n)) return -1
    n = count
    at = end
  }
  return n
}

/**
 * Reads a lone sample's four fields after its `{` (the form the bridge sends a sample in when the link is
 * idle) into the columns' first places; 1 (their end into `end`), or -1.
 */
function sampleFields(bytes: Uint8Array): number {
  if (columns[0]!.length === 0) grow(0)
  let at = 1
  for (let k = 0; k < FIELDS.length; k++) {
    if (k > 0 && bytes[at++] !== COMMA) return -1
    at = literal(bytes, at, FIELDS[k]!)
    if (at < 0 || !number(bytes, at)) return -1
    columns[k]![0] = read[0]!
    at = end
  }
  return 1
}

/**
 * The samples of a raw batch, or of a lone sample, in the bridge's exact form, or `undefined` for anything
 * else (the caller then takes the JSON path, which decodes or explains it).
 *
 * @example
 * scanRawBatch(encode(toRawBatch(samples))) // the samples, equal to what JSON.parse would give
 * scanRawBatch(new TextEncoder().encode('{"seq": [1]}')) // undefined: whitespace is the JSON path's
 */
export function scanRawBatch(bytes: Uint8Array): Sample[] | undefined {
  const c = scanRawColumns(bytes)
  return c === undefined ? undefined : columnSamples(c)
}
