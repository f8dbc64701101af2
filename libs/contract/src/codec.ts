/**
 * @module codec
 * Turns payloads into bytes and back. Payloads are JSON in UTF-8 so any MQTT client can read them
 * (DESIGN.md §4). Decoders never throw on bad input: they return `{ ok: false, error }` with an
 * {@link InvalidPayloadError} that names each bad field and what was wrong, so a service counts the
 * payload as `rejected` and carries on. Raw samples and batches are checked by hand-written code because
 * they arrive at 100k+ samples/s; the other messages use TypeBox's compiled checker. Browser-safe: only
 * `TextEncoder`/`TextDecoder`, no `Buffer`.
 */
import type { TSchema, Static } from '@sinclair/typebox'
import { TypeCompiler, type ValueError } from '@sinclair/typebox/compiler'
import type { Sample } from '@sluice/stream'
import { decodeChannelForm } from './device-forms.js'
import { scanRawBatch } from './raw-batch-scan.js'
import { InvalidPayloadError, type PayloadIssue } from './errors.js'
import { MessageIds, type MessageId } from './message-ids.js'
import { AnomalyEventSchema, type AnomalyEvent } from './payloads/anomaly.js'
import { ServiceMetricsSchema, type ServiceMetrics } from './payloads/metrics.js'
import { RateCommandSchema, type RateCommand } from './payloads/rate.js'
import { isCount, isFiniteNumber, isTimeMs, TIME_MS_MAX } from './payloads/common.js'
import {
  RAW_BATCH_MAX_SAMPLES,
  carryDropped,
  isRawSample,
  type RawBatch,
  type RawSample,
} from './payloads/raw.js'
import { ServiceStatusSchema, type ServiceStatus } from './payloads/status.js'
import {
  HandoverSchema,
  ProgressSchema,
  SensorsRecordSchema,
  type Handover,
  type Progress,
  type SensorsRecord,
} from './payloads/group.js'
import {
  WindowAggregateSchema,
  WindowBatchSchema,
  type WindowAggregate,
  type WindowBatch,
} from './payloads/window.js'
import type { Payload, PayloadById } from './schemas.js'

/** What a decoder returns: the typed value, or the reasons it was rejected. Never thrown. */
export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: InvalidPayloadError }

/** Options of every decoder. */
export interface DecodeOptions {
  /** At most this many problems are reported (default 5): enough to fix a producer, cheap to build. */
  readonly maxIssues?: number
  /** Raw payloads: the receipt time stamped on a device form's missing `t` / `ingest`. Default: now. */
  readonly receivedAt?: number
  /** Raw payloads: the topic's channel, checked against SenML record names. */
  readonly channel?: string
}

/** What a decoder accepts: the MQTT payload bytes (a Node `Buffer` is a `Uint8Array`) or a string. */
export type PayloadInput = Uint8Array | string

const DEFAULT_MAX_ISSUES = 5

const textEncoder = new TextEncoder()
// fatal: invalid UTF-8 is rejected instead of silently becoming U+FFFD.
const textDecoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Encodes a payload as UTF-8 JSON bytes. It does not validate: NaN and ±Infinity become `null`, which
 * every decoder rejects, so producers should only publish finite numbers.
 *
 * @example
 * ```ts
 * client.publish(rawTopic('sluice', 'a1', 'light'), encode({ seq: 1, t: 1000, value: 450, ingest: 1001 }))
 * ```
 */
export function encode(msg: Payload): Uint8Array {
  return textEncoder.encode(JSON.stringify(msg))
}

/**
 * Encodes a payload as a JSON string (for APIs that take strings, such as `mqtt.js`'s `publish`).
 *
 * @example
 * ```ts
 * encodeText({ hz: 10 }) // '{"hz":10}'
 * ```
 */
export function encodeText(msg: Payload): string {
  return JSON.stringify(msg)
}

/** Describes a rejected value briefly, for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') {
    const s = value.length > 40 ? `${value.slice(0, 40)}…` : value
    return `string ${JSON.stringify(s)}`
  }
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  return `a ${typeof value}`
}

function reject<T>(
  messageId: string,
  issues: readonly PayloadIssue[],
  cause?: unknown,
): DecodeResult<T> {
  return {
    ok: false,
    error: new InvalidPayloadError(messageId, issues, cause === undefined ? undefined : { cause }),
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: InvalidPayloadError }

function parseJson(messageId: string, input: PayloadInput): Parsed {
  let text: string
  if (typeof input === 'string') {
    text = input
  } else {
    try {
      text = textDecoder.decode(input)
    } catch (err) {
      return reject(messageId, [{ path: '/', message: 'payload is not valid UTF-8' }], err)
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (err) {
    const preview = text.length > 40 ? `${text.slice(0, 40)}…` : text
    const why = err instanceof Error ? err.message : String(err)
    return reject(
      messageId,
      [{ path: '/', message: `payload is not JSON (${why}): ${JSON.stringify(preview)}` }],
      err,
    )
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function notAnObject(messageId: string, value: unknown): DecodeResult<never> {
  return reject(messageId, [
    { path: '/', message: `expected a JSON object, got ${describe(value)}` },
  ])
}

// Hand-written raw checks: the same rules as RawSampleSchema / RawBatchSchema (a property test holds
// them equal), without the compiled checker's generality, because these run per sample at 100k+/s.

const COUNT_RULE = 'expected an integer ≥ 0'
const NUMBER_RULE = 'expected a finite number'
const TIME_RULE = `expected a time in ms since the epoch, 0 to ${TIME_MS_MAX} (year 2286)`
const SAMPLE_FIELDS = ['seq', 't', 'value', 'ingest'] as const
type SampleField = (typeof SAMPLE_FIELDS)[number]

/** Each field's check and the rule it states: seq is a count, t and ingest are times, value any number. */
const FIELD_RULES: Readonly<Record<SampleField, readonly [(v: unknown) => v is number, string]>> = {
  seq: [isCount, COUNT_RULE],
  t: [isTimeMs, TIME_RULE],
  value: [isFiniteNumber, NUMBER_RULE],
  ingest: [isTimeMs, TIME_RULE],
}

/** The optional `dropped` count: absent, or an integer ≥ 0. */
function droppedIssue(o: Record<string, unknown>): PayloadIssue | undefined {
  const d = o.dropped
  if (d === undefined || isCount(d)) return undefined
  return { path: '/dropped', message: `${COUNT_RULE}, got ${describe(d)}` }
}

function sampleIssues(o: Record<string, unknown>, max: number): PayloadIssue[] {
  const issues: PayloadIssue[] = []
  for (const field of SAMPLE_FIELDS) {
    if (issues.length >= max) break
    const v = o[field]
    const [check, rule] = FIELD_RULES[field]
    if (check(v)) continue
    const message = v === undefined ? 'missing (required)' : `${rule}, got ${describe(v)}`
    issues.push({ path: `/${field}`, message })
  }
  const d = droppedIssue(o)
  if (d !== undefined && issues.length < max) issues.push(d)
  return issues
}

function decodeSampleObject(o: Record<string, unknown>, max: number): DecodeResult<Sample> {
  const { seq, t, value, ingest, dropped } = o
  if (isRawSample(seq, t, value, ingest)) {
    // A fresh object of one shape keeps downstream code monomorphic and drops unknown fields; a
    // `dropped` of 0 is absent, as on a batch's first sample (`carryDropped`).
    if (dropped === undefined || dropped === 0)
      return { ok: true, value: { seq, t, value, ingest } as Sample }
    if (isCount(dropped)) return { ok: true, value: { seq, t, value, ingest, dropped } as Sample }
  }
  return reject(MessageIds.raw, sampleIssues(o, max))
}

function batchIssues(o: Record<string, unknown>, max: number): PayloadIssue[] {
  const issues: PayloadIssue[] = []
  let length = -1
  let lengthField = ''
  for (const field of SAMPLE_FIELDS) {
    if (issues.length >= max) return issues
    const arr = o[field]
    if (!Array.isArray(arr)) {
      issues.push({
        path: `/${field}`,
        message:
          arr === undefined ? 'missing (required)' : `expected an array, got ${describe(arr)}`,
      })
      continue
    }
    if (arr.length === 0 || arr.length > RAW_BATCH_MAX_SAMPLES) {
      issues.push({
        path: `/${field}`,
        message: `expected 1 to ${RAW_BATCH_MAX_SAMPLES} items, got ${arr.length}`,
      })
      continue
    }
    const [check, rule] = FIELD_RULES[field]
    for (let i = 0; i < arr.length; i++) {
      const v: unknown = arr[i]
      if (!check(v)) {
        issues.push({ path: `/${field}/${i}`, message: `${rule}, got ${describe(v)}` })
        // One bad item per array is enough to find the producer's bug.
        break
      }
    }
    if (length < 0) {
      length = arr.length
      lengthField = field
    } else if (arr.length !== length && issues.length < max) {
      issues.push({
        path: `/${field}`,
        message: `batch arrays must have equal lengths, but ${lengthField} has ${length} items and ${field} has ${arr.length}`,
      })
    }
  }
  const d = droppedIssue(o)
  if (d !== undefined && issues.length < max) issues.push(d)
  return issues
}

function checkedArray(
  arr: unknown,
  check: (v: unknown) => v is number,
  length: number,
): arr is number[] {
  if (!Array.isArray(arr) || arr.length !== length) return false
  for (let i = 0; i < length; i++) if (!check(arr[i])) return false
  return true
}

function decodeBatchObject(o: Record<string, unknown>, max: number): DecodeResult<RawBatch> {
  const { seq, t, value, ingest, dropped } = o
  if (Array.isArray(seq)) {
    const n = seq.length
    if (
      n >= 1 &&
      n <= RAW_BATCH_MAX_SAMPLES &&
      checkedArray(seq, isCount, n) &&
      checkedArray(t, isTimeMs, n) &&
      checkedArray(value, isFiniteNumber, n) &&
      checkedArray(ingest, isTimeMs, n)
    ) {
      if (dropped === undefined) return { ok: true, value: { seq, t, value, ingest } }
      if (isCount(dropped)) return { ok: true, value: { seq, t, value, ingest, dropped } }
    }
  }
  return reject(MessageIds.rawBatch, batchIssues(o, max))
}

function maxIssuesOf(options: DecodeOptions | undefined): number {
  return Math.max(1, options?.maxIssues ?? DEFAULT_MAX_ISSUES)
}

/**
 * Decodes one raw sample (`sluice.v1.raw`).
 *
 * @example
 * ```ts
 * const r = decodeRaw('{"seq":1,"t":1000,"value":450,"ingest":1001}')
 * if (r.ok) use(r.value)
 * else log.warn(r.error.message) // e.g. "Invalid sluice.v1.raw payload: /value: expected a finite number, got string \"450\""
 * ```
 */
export function decodeRaw(input: PayloadInput, options?: DecodeOptions): DecodeResult<RawSample> {
  const parsed = parseJson(MessageIds.raw, input)
  if (!parsed.ok) return parsed
  if (!isObject(parsed.value)) return notAnObject(MessageIds.raw, parsed.value)
  return decodeSampleObject(parsed.value, maxIssuesOf(options))
}

/**
 * Decodes one raw batch (`sluice.v1.raw-batch`), checking that the arrays have equal lengths.
 *
 * @example
 * ```ts
 * decodeRawBatch('{"seq":[1,2],"t":[0,10],"value":[5,6],"ingest":[1,11]}').ok // true
 * decodeRawBatch('{"seq":[1,2],"t":[0],"value":[5,6],"ingest":[1,11]}').ok    // false: lengths differ
 * ```
 */
export function decodeRawBatch(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<RawBatch> {
  const parsed = parseJson(MessageIds.rawBatch, input)
  if (!parsed.ok) return parsed
  if (!isObject(parsed.value)) return notAnObject(MessageIds.rawBatch, parsed.value)
  return decodeBatchObject(parsed.value, maxIssuesOf(options))
}

/**
 * Decodes what arrives on a raw topic, a lone sample or a batch, into an array of samples in
 * payload order. This is what every raw consumer calls.
 *
 * @example
 * ```ts
 * client.on('message', (topic, bytes) => {
 *   const r = decodeRawSamples(bytes)
 *   if (!r.ok) { rejected++; log.warn(r.error.message); return } // count it, never throw
 *   for (const s of r.value) window.push(s)
 * })
 * ```
 */
export function decodeRawSamples(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<Sample[]> {
  // The bridge's own batches skip JSON.parse (raw-batch-scan.ts); anything else is read below.
  const scanned = typeof input === 'string' ? undefined : scanRawBatch(input)
  if (scanned !== undefined) return { ok: true, value: scanned }
  const parsed = parseJson(MessageIds.raw, input)
  if (!parsed.ok) return parsed
  const o = parsed.value
  // What devices publishing directly send (a bare number, {value}, SenML): device-forms.ts.
  const device = (): DecodeResult<Sample[]> | undefined =>
    decodeChannelForm(o, options?.receivedAt ?? Date.now(), options?.channel)
  if (!isObject(o)) return device() ?? notAnObject(MessageIds.raw, o)
  const max = maxIssuesOf(options)
  if (!Array.isArray(o.seq)) {
    const r = decodeSampleObject(o, max)
    return r.ok ? { ok: true, value: [r.value] } : (device() ?? r)
  }
  const samples = samplesFromBatch(o)
  if (samples !== undefined) return { ok: true, value: samples }
  return reject(MessageIds.rawBatch, batchIssues(o, max))
}

/**
 * The batch fast path: checks and unpacks in one pass over the arrays, returning `undefined` on any
 * problem (the slow path then explains it). Same rules as `decodeBatchObject`.
 */
function samplesFromBatch(o: Record<string, unknown>): Sample[] | undefined {
  const { seq, t, value, ingest, dropped } = o
  if (!Array.isArray(seq) || !Array.isArray(t) || !Array.isArray(value) || !Array.isArray(ingest)) {
    return undefined
  }
  if (dropped !== undefined && !isCount(dropped)) return undefined
  const n = seq.length
  if (n < 1 || n > RAW_BATCH_MAX_SAMPLES) return undefined
  if (t.length !== n || value.length !== n || ingest.length !== n) return undefined
  const samples = new Array<Sample>(n)
  for (let i = 0; i < n; i++) {
    const s: unknown = seq[i]
    const ti: unknown = t[i]
    const v: unknown = value[i]
    const g: unknown = ingest[i]
    if (!isRawSample(s, ti, v, g)) return undefined
    samples[i] = { seq: s, t: ti, value: v, ingest: g } as Sample
  }
  carryDropped(samples, dropped)
  return samples
}

/** Renders one TypeBox error as an issue, spelling out the allowed values of a literal union. */
function issueOf(e: ValueError): PayloadIssue {
  const path = e.path === '' ? '/' : e.path
  const anyOf = (e.schema as { anyOf?: { const?: unknown }[] }).anyOf
  if (anyOf !== undefined && anyOf.length > 0 && anyOf.every((s) => s.const !== undefined)) {
    const allowed = anyOf.map((s) => JSON.stringify(s.const)).join(', ')
    return { path, message: `expected one of ${allowed}, got ${describe(e.value)}` }
  }
  const message = e.message.charAt(0).toLowerCase() + e.message.slice(1)
  return { path, message: `${message}, got ${describe(e.value)}` }
}

/** A checker of parsed JSON for a schema, backed by TypeBox's compiled checker. */
function compiledCheck<S extends TSchema>(messageId: MessageId, schema: S) {
  const checker = TypeCompiler.Compile(schema)
  return (value: unknown, options?: DecodeOptions): DecodeResult<Static<S>> => {
    if (checker.Check(value)) return { ok: true, value }
    return reject(messageId, schemaIssues(checker.Errors(value), maxIssuesOf(options)))
  }
}

/** A decoder of bytes: JSON, then `check`. */
function decoderOf<T>(
  messageId: MessageId,
  check: (value: unknown, options?: DecodeOptions) => DecodeResult<T>,
) {
  return (input: PayloadInput, options?: DecodeOptions): DecodeResult<T> => {
    const parsed = parseJson(messageId, input)
    return parsed.ok ? check(parsed.value, options) : parsed
  }
}

/** A decoder for a schema, backed by TypeBox's compiled checker. */
function compiledDecoder<S extends TSchema>(messageId: MessageId, schema: S) {
  return decoderOf(messageId, compiledCheck(messageId, schema))
}

/**
 * Turns TypeBox's errors into at most `max` issues: missing fields are grouped per object into one issue
 * ("missing required fields a, b"), so a half-empty payload does not hide the fields that are wrong.
 */
function schemaIssues(errors: Iterable<ValueError>, max: number): PayloadIssue[] {
  const issues: PayloadIssue[] = []
  const missing = new Map<string, string[]>()
  const seen = new Set<string>()
  let scanned = 0
  for (const e of errors) {
    // Bounded: a payload with thousands of bad entries must not cost thousands of messages.
    if (++scanned > 100) break
    // TypeBox can report one field twice (e.g. "required" then "expected number"); keep the first.
    if (seen.has(e.path)) continue
    seen.add(e.path)
    if (e.value === undefined && e.path !== '') {
      const slash = e.path.lastIndexOf('/')
      const parent = slash <= 0 ? '/' : e.path.slice(0, slash)
      const fields = missing.get(parent) ?? []
      fields.push(e.path.slice(slash + 1))
      missing.set(parent, fields)
    } else if (issues.length < max) {
      issues.push(issueOf(e))
    }
  }
  for (const [parent, fields] of missing) {
    if (issues.length >= max) break
    const noun = fields.length === 1 ? 'field' : 'fields'
    issues.push({ path: parent, message: `missing required ${noun} ${fields.join(', ')}` })
  }
  if (issues.length === 0) issues.push({ path: '/', message: 'does not match the schema' })
  return issues
}

const checkWindow = compiledCheck(MessageIds.window, WindowAggregateSchema)
const checkWindowBatch = compiledCheck(MessageIds.windowBatch, WindowBatchSchema)
const windowDecoder = decoderOf(MessageIds.window, checkWindow)
const windowBatchDecoder = decoderOf(MessageIds.windowBatch, checkWindowBatch)
const anomalyDecoder = compiledDecoder(MessageIds.anomaly, AnomalyEventSchema)
const statusDecoder = compiledDecoder(MessageIds.status, ServiceStatusSchema)
const metricsDecoder = compiledDecoder(MessageIds.metrics, ServiceMetricsSchema)
const rateDecoder = compiledDecoder(MessageIds.rate, RateCommandSchema)
const sensorsDecoder = compiledDecoder(MessageIds.sensors, SensorsRecordSchema)
const handoverDecoder = compiledDecoder(MessageIds.handover, HandoverSchema)
const progressDecoder = compiledDecoder(MessageIds.progress, ProgressSchema)

/**
 * Decodes a window aggregate (`sluice.v1.window`).
 *
 * @example
 * ```ts
 * const r = decodeWindow(bytes)
 * if (r.ok) chart.add(r.value.end, r.value.mean)
 * ```
 */
export function decodeWindow(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<WindowAggregate> {
  return windowDecoder(input, options)
}

/**
 * Decodes a window batch (`sluice.v1.window-batch`): a JSON array of aggregates of one topic.
 *
 * @example
 * ```ts
 * const r = decodeWindowBatch(bytes)
 * if (r.ok) for (const agg of r.value) chart.add(agg.end, agg.mean)
 * ```
 */
export function decodeWindowBatch(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<WindowBatch> {
  return windowBatchDecoder(input, options)
}

/**
 * Decodes what arrives on a window topic, a lone aggregate or a batch, into the aggregates in payload
 * order. This is what every window consumer calls.
 *
 * @example
 * ```ts
 * const r = decodeWindows(bytes)
 * if (!r.ok) { rejected++; return } // count it, never throw
 * for (const agg of r.value) chart.add(agg.end, agg.mean)
 * ```
 */
export function decodeWindows(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<WindowAggregate[]> {
  const parsed = parseJson(MessageIds.window, input)
  if (!parsed.ok) return parsed
  if (Array.isArray(parsed.value)) return checkWindowBatch(parsed.value, options)
  const r = checkWindow(parsed.value, options)
  return r.ok ? { ok: true, value: [r.value] } : r
}

/**
 * Decodes an anomaly event (`sluice.v2.anomaly`; a v1 payload, without `scope` and `episode`, decodes too).
 *
 * @example
 * ```ts
 * const r = decodeAnomaly(bytes)
 * if (r.ok && r.value.level === 'very-unusual') alert(r.value)
 * ```
 */
export function decodeAnomaly(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<AnomalyEvent> {
  return anomalyDecoder(input, options)
}

/**
 * Decodes a service status (`sluice.v1.status`).
 *
 * @example
 * ```ts
 * const r = decodeStatus(bytes)
 * if (r.ok) services.set(topic, r.value.state)
 * ```
 */
export function decodeStatus(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<ServiceStatus> {
  return statusDecoder(input, options)
}

/**
 * Decodes a service metrics message (`sluice.v1.metrics`).
 *
 * @example
 * ```ts
 * const r = decodeMetrics(bytes)
 * if (r.ok) for (const [name, hop] of Object.entries(r.value.hops)) show(name, hop.state)
 * ```
 */
export function decodeMetrics(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<ServiceMetrics> {
  return metricsDecoder(input, options)
}

/**
 * Decodes a rate command (`sluice.v1.rate`).
 *
 * @example
 * ```ts
 * const r = decodeRate('{"hz": 10}')
 * if (r.ok) port.write(`R${r.value.hz}\n`)
 * ```
 */
export function decodeRate(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<RateCommand> {
  return rateDecoder(input, options)
}

/**
 * Decodes a sensor registry record (`sluice.v1.sensors`).
 *
 * @example
 * ```ts
 * const r = decodeSensors(bytes)
 * if (r.ok) for (const c of r.value.channels) known.add(`${r.value.device}/${c}`)
 * ```
 */
export function decodeSensors(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<SensorsRecord> {
  return sensorsDecoder(input, options)
}

/**
 * Decodes a handover (`sluice.v1.handover`).
 *
 * @example
 * ```ts
 * const r = decodeHandover(bytes)
 * if (r.ok) restore(r.value.unit, r.value.state)
 * ```
 */
export function decodeHandover(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<Handover> {
  return handoverDecoder(input, options)
}

/**
 * Decodes a progress checkpoint (`sluice.v1.progress`).
 *
 * @example
 * ```ts
 * const r = decodeProgress(bytes)
 * if (r.ok) Object.assign(lastSeen, r.value.positions)
 * ```
 */
export function decodeProgress(
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<Progress> {
  return progressDecoder(input, options)
}

const decoders: {
  readonly [K in MessageId]: (
    input: PayloadInput,
    options?: DecodeOptions,
  ) => DecodeResult<PayloadById[K]>
} = {
  [MessageIds.raw]: decodeRaw,
  [MessageIds.rawBatch]: decodeRawBatch,
  [MessageIds.window]: decodeWindow,
  [MessageIds.windowBatch]: decodeWindowBatch,
  [MessageIds.anomaly]: decodeAnomaly,
  [MessageIds.status]: decodeStatus,
  [MessageIds.metrics]: decodeMetrics,
  [MessageIds.rate]: decodeRate,
  [MessageIds.sensors]: decodeSensors,
  [MessageIds.handover]: decodeHandover,
  [MessageIds.progress]: decodeProgress,
}

/**
 * Decodes a payload by message id, for code that handles messages generically (a forwarder, a recorder).
 *
 * @example
 * ```ts
 * const r = decodeMessage(MessageIds.window, bytes) // DecodeResult<WindowAggregate>
 * ```
 */
export function decodeMessage<K extends MessageId>(
  messageId: K,
  input: PayloadInput,
  options?: DecodeOptions,
): DecodeResult<PayloadById[K]> {
  return decoders[messageId](input, options)
}
