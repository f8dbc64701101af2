/**
 * @module sinks/line-protocol
 * InfluxDB line protocol (`measurement,tag=v field=1.5,n=3i 1732480000123400`), with the escaping rules of
 * the InfluxDB 1.x/2.x reference ("Line protocol", Special characters): commas and spaces in measurement
 * names; commas, equals signs and spaces in tag keys, tag values and field keys; double quotes and
 * backslashes inside string field values. Non-finite numbers are not representable and are left out.
 * Timestamps are written in microseconds so that event times with a fraction of a millisecond stay exact.
 */

/** One point: measurement, tags, fields and a time in milliseconds since the epoch (may have a fraction). */
export interface Point {
  readonly measurement: string
  readonly tags: Readonly<Record<string, string>>
  readonly fields: Readonly<Record<string, number | string | boolean | { readonly int: number }>>
  readonly timeMs: number
}

const escapeMeasurement = (s: string): string =>
  s.replace(/[\\, ]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')
const escapeKey = (s: string): string =>
  s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')
const escapeString = (s: string): string => s.replace(/["\\]/g, (c) => `\\${c}`)

/** Milliseconds (with a fraction) → integer microseconds, the precision we write with. */
export function toMicros(ms: number): number {
  return Math.round(ms * 1000)
}

/**
 * Encodes one point; returns undefined when no field is representable (a point needs at least one field).
 *
 * @example
 * encodePoint({ measurement: 'sluice_raw', tags: { device: 'uno', channel: 'light' },
 *   fields: { value: 450, seq: { int: 12 } }, timeMs: 1732480000123.4 })
 * // 'sluice_raw,channel=light,device=uno seq=12i,value=450 1732480000123400'
 */
export function encodePoint(p: Point): string | undefined {
  let line = escapeMeasurement(p.measurement)
  // Tags sorted by key, as InfluxDB recommends for write performance; empty values are not allowed.
  for (const k of Object.keys(p.tags).sort()) {
    const v = p.tags[k]!
    if (v !== '') line += `,${escapeKey(k)}=${escapeKey(v)}`
  }
  const fields: string[] = []
  for (const k of Object.keys(p.fields).sort()) {
    const v = p.fields[k]!
    let enc: string | undefined
    if (typeof v === 'number') enc = Number.isFinite(v) ? String(v) : undefined
    else if (typeof v === 'boolean') enc = v ? 'true' : 'false'
    else if (typeof v === 'string') enc = `"${escapeString(v)}"`
    else enc = Number.isSafeInteger(v.int) ? `${v.int}i` : undefined
    if (enc !== undefined) fields.push(`${escapeKey(k)}=${enc}`)
  }
  if (fields.length === 0) return undefined
  return `${line} ${fields.join(',')} ${toMicros(p.timeMs)}`
}
