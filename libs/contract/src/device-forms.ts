/**
 * @module device-forms
 * What a device that publishes straight to MQTT may send (DESIGN.md §4), besides the bridge's full
 * `{seq, t, value, ingest}`: an ESP32 with PubSubClient, Tasmota, ESPHome or `mosquitto_pub` rarely stamps
 * an ingest time or numbers its readings. Accepted:
 *
 * | form | `{p}/{device}/{channel}/raw` | `{p}/{device}/raw` (device topic) |
 * |---|---|---|
 * | a bare number, `23.5` | the channel's reading | channel `value` |
 * | `{"value": 23.5}`, with `seq`, `t`, `ingest` each optional | the channel's reading | channel `value` |
 * | named numeric fields, `{"temperature": 21.5, "humidity": 40}` (optional `seq`, `t`, `ingest` for all) | — | one channel per field |
 * | a SenML JSON pack (RFC 8428), `[{"bn": "esp1/", "n": "temp", "v": 21.5}]` | records named for the channel, or unnamed | one channel per record name |
 *
 * Rules: a missing `ingest` is the receipt time, and so is a missing `t`; a reading without `seq` is
 * **unsequenced** (`unsequenced: true`, `seq` 0): its loss cannot be known, so consumers count it apart
 * instead of tracking gaps. SenML (RFC 8428 §4.5): a record's name is base name + name, its value base
 * value + `v`, its time base time + `t` in seconds, a time below 2^28 being relative to the receipt; the
 * channel is the name's last `:`- or `/`-separated part, which must be an identifier. A record with a
 * string, boolean or data value, or only a sum, is rejected: Sluice processes numbers. Anything else is
 * rejected with the reason, as the codec does.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Sample } from '@sluice/stream'
import type { DecodeResult, PayloadInput } from './codec.js'
import { InvalidPayloadError, type PayloadIssue } from './errors.js'
import { Count, isCount, isFiniteNumber, isTimeMs, TIME_MS_MAX, TimeMs } from './payloads/common.js'
import { IDENTIFIER_PATTERN, isIdentifier } from './topics.js'

/** A sample decoded from a device form: which channel (device topic), and whether it had a `seq`. */
export interface DeviceSample extends Sample {
  /** The channel, for samples from the device topic (or a SenML record that names it). */
  readonly channel?: string
  /** No sequence number was sent: `seq` is 0 and gaps cannot be known. */
  readonly unsequenced?: true
}

/** Message ids of the device forms, as the AsyncAPI document names them. */
export const DeviceFormIds = {
  value: 'sluice.v1.device-value',
  fields: 'sluice.v1.device-fields',
  senml: 'sluice.v1.senml',
} as const

const optionalStamps = {
  seq: Type.Optional(Count('Sequence number; without it the sensor is unsequenced.')),
  t: Type.Optional(TimeMs('Event time (ms since the epoch); default: the receipt time.')),
  ingest: Type.Optional(TimeMs('Ingest time (ms since the epoch); default: the receipt time.')),
}

/** A bare number, or `{"value": …}` with optional `seq`, `t` and `ingest`. */
export const DeviceValueSchema = Type.Union(
  [
    Type.Number({ description: 'A bare reading.' }),
    Type.Object({ value: Type.Number({ description: 'The reading.' }), ...optionalStamps }),
  ],
  {
    $id: DeviceFormIds.value,
    title: 'Device value',
    description:
      'One reading from a device publishing directly, on {p}/{device}/{channel}/raw (or on ' +
      '{p}/{device}/raw as channel "value"). Missing t and ingest are the receipt time; without seq ' +
      'the sensor is unsequenced (its loss cannot be known).',
  },
)

/** Named numeric fields on the device topic, one channel each. */
export const DeviceFieldsSchema = Type.Object(optionalStamps, {
  $id: DeviceFormIds.fields,
  title: 'Device fields',
  description:
    'Readings of several channels of one device on {p}/{device}/raw: every other field is a channel ' +
    'name (an identifier) with a finite number. seq, t and ingest apply to all of them.',
  patternProperties: { [IDENTIFIER_PATTERN.source]: Type.Number() },
  additionalProperties: false,
})

/** One SenML record (RFC 8428 §4), the fields Sluice reads. */
export const SenmlRecordSchema = Type.Object(
  {
    bn: Type.Optional(Type.String({ description: 'Base name, prefixed to n.' })),
    bt: Type.Optional(Type.Number({ description: 'Base time (s), added to t.' })),
    bu: Type.Optional(Type.String({ description: 'Base unit (not used).' })),
    bv: Type.Optional(Type.Number({ description: 'Base value, added to v.' })),
    bver: Type.Optional(Type.Integer({ description: 'SenML version.' })),
    n: Type.Optional(Type.String({ description: 'Name; its last :- or /-part is the channel.' })),
    u: Type.Optional(Type.String({ description: 'Unit (not used).' })),
    v: Type.Number({ description: 'Numeric value (vs, vb, vd and s are not accepted).' }),
    t: Type.Optional(
      Type.Number({ description: 'Time (s since the epoch; below 2^28, relative to now).' }),
    ),
    ut: Type.Optional(Type.Number({ description: 'Update time (not used).' })),
  },
  { description: 'A SenML record with a numeric value.' },
)

/** A SenML JSON pack (RFC 8428 §5): an array of records. */
export const SenmlPackSchema = Type.Array(SenmlRecordSchema, {
  $id: DeviceFormIds.senml,
  title: 'SenML pack',
  description:
    'A SenML JSON pack (RFC 8428) on {p}/{device}/raw (one channel per record name) or on ' +
    '{p}/{device}/{channel}/raw (unnamed records, or named for that channel). Base name, time and ' +
    'value apply as in RFC 8428 §4.5; readings are unsequenced.',
  minItems: 1,
  maxItems: 10_000,
})

/** The device forms' payload types. */
export type DeviceValue = Static<typeof DeviceValueSchema>
export type DeviceFields = Static<typeof DeviceFieldsSchema>
export type SenmlPack = Static<typeof SenmlPackSchema>

/** One example of each form, for the AsyncAPI document (and decoded by a test). */
export const DEVICE_FORM_EXAMPLES = {
  [DeviceFormIds.value]: { value: 23.5 },
  [DeviceFormIds.fields]: { temperature: 21.5, humidity: 40 },
  [DeviceFormIds.senml]: [
    { bn: 'urn:dev:mac:0024befffe804ff1:', bt: 1732480000, n: 'temp', u: 'Cel', v: 21.5 },
    { n: 'humidity', u: '%RH', v: 40, t: 0.5 },
  ],
} as const

/** SenML times below this are relative to now (RFC 8428 §4.5.3). */
const SENML_RELATIVE_BELOW = 2 ** 28
const MAX_RECORDS = 10_000

type Result = DecodeResult<DeviceSample[]>

function reject(id: string, issues: PayloadIssue[]): Result {
  return { ok: false, error: new InvalidPayloadError(id, issues) }
}

function sample(
  value: number,
  stamps: { seq?: number; t?: number; ingest?: number },
  receivedAt: number,
  channel: string | undefined,
): DeviceSample {
  const base = {
    seq: stamps.seq ?? 0,
    t: stamps.t ?? receivedAt,
    value,
    ingest: stamps.ingest ?? receivedAt,
  }
  const withChannel = channel === undefined ? base : { ...base, channel }
  return stamps.seq === undefined ? { ...withChannel, unsequenced: true } : withChannel
}

/** Checks the optional `seq`, `t` and `ingest` of an object form. */
function stampsOf(
  o: Record<string, unknown>,
  issues: PayloadIssue[],
): { seq?: number; t?: number; ingest?: number } {
  const out: { seq?: number; t?: number; ingest?: number } = {}
  if (o.seq !== undefined) {
    if (isCount(o.seq)) out.seq = o.seq
    else issues.push({ path: '/seq', message: 'expected an integer ≥ 0 (or no seq at all)' })
  }
  for (const f of ['t', 'ingest'] as const) {
    const v = o[f]
    if (v === undefined) continue
    if (isTimeMs(v)) out[f] = v
    else
      issues.push({
        path: `/${f}`,
        message: `expected a time in ms since the epoch, 0 to ${TIME_MS_MAX} (or no ${f} at all)`,
      })
  }
  return out
}

function channelOfName(name: string): string | undefined {
  if (name === '') return undefined
  // A base name alone ("urn:dev:mac:0024be:") names the device, not a channel.
  const last = name.slice(Math.max(name.lastIndexOf(':'), name.lastIndexOf('/')) + 1)
  return last === '' ? undefined : last
}

/**
 * Decodes a SenML pack: resolves base fields record by record (RFC 8428 §4.5). On the device topic
 * (`deviceTopic`) each record's name gives its channel; on a channel topic the samples are the topic's,
 * and a record named for another channel (when `channel` is known) is rejected.
 */
function decodeSenml(
  pack: unknown[],
  receivedAt: number,
  deviceTopic: boolean,
  channel: string | undefined,
): Result {
  const id = DeviceFormIds.senml
  if (pack.length === 0 || pack.length > MAX_RECORDS)
    return reject(id, [{ path: '/', message: `expected 1 to ${MAX_RECORDS} records` }])
  const out: DeviceSample[] = []
  let bn = ''
  let bt = 0
  let bv = 0
  for (let i = 0; i < pack.length; i++) {
    const r = pack[i]
    const at = `/${i}`
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      return reject(id, [{ path: at, message: 'expected a SenML record (an object)' }])
    const rec = r as Record<string, unknown>
    if (rec.bn !== undefined) {
      if (typeof rec.bn !== 'string')
        return reject(id, [{ path: `${at}/bn`, message: 'expected a string' }])
      bn = rec.bn
    }
    for (const [f, set] of [
      ['bt', (v: number) => (bt = v)],
      ['bv', (v: number) => (bv = v)],
    ] as const) {
      if (rec[f] === undefined) continue
      if (!isFiniteNumber(rec[f]))
        return reject(id, [{ path: `${at}/${f}`, message: 'expected a finite number' }])
      set(rec[f])
    }
    if (!isFiniteNumber(rec.v)) {
      const other = ['vs', 'vb', 'vd', 's'].find((f) => rec[f] !== undefined)
      const message =
        other === undefined
          ? 'expected a numeric value v'
          : `has ${other} but no numeric v: Sluice processes numbers only`
      return reject(id, [{ path: `${at}/v`, message }])
    }
    if (rec.n !== undefined && typeof rec.n !== 'string')
      return reject(id, [{ path: `${at}/n`, message: 'expected a string' }])
    if (rec.t !== undefined && !isFiniteNumber(rec.t))
      return reject(id, [{ path: `${at}/t`, message: 'expected a finite number' }])
    const name = bn + (rec.n ?? '')
    const named = channelOfName(name)
    let target: string | undefined
    if (deviceTopic) {
      target = named ?? 'value'
      if (!isIdentifier(target))
        return reject(id, [
          {
            path: `${at}/n`,
            message:
              `name ${JSON.stringify(name)} gives channel ${JSON.stringify(target)}, not an identifier ` +
              '([a-z0-9][a-z0-9_-]*): end the name with the channel, e.g. "esp1:temp"',
          },
        ])
    } else if (channel !== undefined && named !== undefined && named !== channel) {
      return reject(id, [
        {
          path: `${at}/n`,
          message: `names channel ${JSON.stringify(named)}, but the topic is channel ${channel}`,
        },
      ])
    }
    const seconds = bt + (rec.t ?? 0)
    const t =
      seconds === 0
        ? receivedAt
        : Math.abs(seconds) < SENML_RELATIVE_BELOW
          ? receivedAt + seconds * 1000
          : seconds * 1000
    if (!isTimeMs(t))
      return reject(id, [
        { path: `${at}/t`, message: `gives a time outside 0 … ${TIME_MS_MAX} ms since the epoch` },
      ])
    out.push(sample(bv + rec.v, { t }, receivedAt, target))
  }
  return { ok: true, value: out }
}

/**
 * The forms a device may send on `{p}/{device}/{channel}/raw` besides the bridge's own: a bare number,
 * `{"value": …}` with optional stamps, or a SenML pack. Returns `undefined` when `value` is none of them
 * (the codec then reports its own reasons). Called by the codec's `decodeRawSamples`; `channel`, when
 * known, is the topic's (a SenML record named for another channel is then rejected).
 *
 * @example
 * ```ts
 * decodeChannelForm(23.5, 1000)               // { ok: true, value: [{ seq: 0, t: 1000, value: 23.5, ingest: 1000, unsequenced: true }] }
 * decodeChannelForm({ value: 5, seq: 3 }, 1000) // { ok: true, value: [{ seq: 3, t: 1000, value: 5, ingest: 1000 }] }
 * ```
 */
export function decodeChannelForm(
  value: unknown,
  receivedAt: number,
  channel?: string,
): Result | undefined {
  if (typeof value === 'number')
    return isFiniteNumber(value)
      ? { ok: true, value: [sample(value, {}, receivedAt, undefined)] }
      : reject(DeviceFormIds.value, [{ path: '/', message: 'expected a finite number' }])
  if (Array.isArray(value)) return decodeSenml(value, receivedAt, false, channel)
  if (typeof value !== 'object' || value === null || !('value' in value)) return undefined
  if (Array.isArray((value as { seq?: unknown }).seq)) return undefined // a batch: the codec's
  const o = value as Record<string, unknown>
  const issues: PayloadIssue[] = []
  const stamps = stampsOf(o, issues)
  if (!isFiniteNumber(o.value))
    issues.unshift({ path: '/value', message: 'expected a finite number' })
  if (issues.length > 0) return reject(DeviceFormIds.value, issues)
  return { ok: true, value: [sample(o.value as number, stamps, receivedAt, undefined)] }
}

/** Options of {@link decodeDeviceRaw}. */
export interface DeviceDecodeOptions {
  /** The receipt time stamped on missing `t` and `ingest` (ms since the epoch). Default: now. */
  readonly receivedAt?: number
}

/**
 * Decodes what arrives on the device topic `{p}/{device}/raw`: named numeric fields (one channel each), a
 * SenML pack, or a bare number / `{"value": …}` (channel `value`). Every sample carries its `channel`.
 *
 * @example
 * ```ts
 * decodeDeviceRaw('{"temperature": 21.5, "humidity": 40}', { receivedAt: 1000 })
 * // ok, [{ channel: 'temperature', value: 21.5, … }, { channel: 'humidity', value: 40, … }], unsequenced
 * ```
 */
export function decodeDeviceRaw(input: PayloadInput, options: DeviceDecodeOptions = {}): Result {
  const receivedAt = options.receivedAt ?? Date.now()
  let value: unknown
  try {
    value = JSON.parse(
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input),
    )
  } catch {
    return reject(DeviceFormIds.fields, [{ path: '/', message: 'payload is not UTF-8 JSON' }])
  }
  if (Array.isArray(value)) return decodeSenml(value, receivedAt, true, undefined)
  if (typeof value === 'number') {
    const r = decodeChannelForm(value, receivedAt)!
    return r.ok ? { ok: true, value: r.value.map((s) => ({ ...s, channel: 'value' })) } : r
  }
  if (typeof value !== 'object' || value === null)
    return reject(DeviceFormIds.fields, [
      { path: '/', message: 'expected a number, an object of named numbers or a SenML pack' },
    ])
  const o = value as Record<string, unknown>
  const issues: PayloadIssue[] = []
  const stamps = stampsOf(o, issues)
  const out: DeviceSample[] = []
  for (const [k, v] of Object.entries(o)) {
    if (k === 'seq' || k === 't' || k === 'ingest') continue
    if (!IDENTIFIER_PATTERN.test(k))
      issues.push({
        path: `/${k}`,
        message: 'a channel name must be an identifier ([a-z0-9][a-z0-9_-]*)',
      })
    else if (!isFiniteNumber(v)) issues.push({ path: `/${k}`, message: 'expected a finite number' })
    else out.push(sample(v, stamps, receivedAt, k))
    if (issues.length >= 5) break
  }
  if (issues.length === 0 && out.length === 0)
    issues.push({ path: '/', message: 'no reading: expected at least one named numeric field' })
  return issues.length > 0 ? reject(DeviceFormIds.fields, issues) : { ok: true, value: out }
}
