/**
 * @module sinks/influx
 * The InfluxDB sink: line protocol over HTTP to the v1 `/write` API (database, retention policy, user and
 * password), the v2 `/api/v2/write` API (org, bucket, `Authorization: Token …`) or the v3
 * `/api/v3/write_lp` API (database, `Authorization: Bearer …`). Timestamps are sent in microseconds
 * (`precision=u` / `us` / `microsecond`). Writing the same series and timestamp again overwrites the point,
 * so a replay after an outage is idempotent.
 */
import { encodePoint } from './line-protocol.js'
import { toPoints } from './influx-points.js'
import { postWithRetryInfo } from './http-post.js'
import { ForwarderConfigError } from '../errors.js'
import { Type } from '@sinclair/typebox'
import { defineSink } from './define-sink.js'
import type { ForwardItem, Sink } from './sink.js'

/** InfluxDB sink settings. */
export interface InfluxSinkOptions {
  readonly name: string
  readonly url: string
  readonly apiVersion: 1 | 2 | 3
  readonly database?: string
  readonly retentionPolicy?: string
  readonly username?: string
  readonly password?: string
  readonly org?: string
  readonly bucket?: string
  readonly token?: string
  readonly timeoutMs: number
}

/** The write URL and headers for one API version; throws on missing settings, naming them. */
export function influxWriteRequest(o: InfluxSinkOptions): {
  url: string
  headers: Record<string, string>
} {
  const base = o.url.replace(/\/+$/, '')
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' }
  const q = new URLSearchParams()
  const need = (field: keyof InfluxSinkOptions): string => {
    const v = o[field]
    if (typeof v !== 'string' || v === '')
      throw new ForwarderConfigError(
        `InfluxDB v${o.apiVersion} sink "${o.name}" needs "${field}" in its config (see docs/forwarder.md)`,
      )
    return v
  }
  let path: string
  if (o.apiVersion === 1) {
    path = '/write'
    q.set('db', need('database'))
    if (o.retentionPolicy) q.set('rp', o.retentionPolicy)
    q.set('precision', 'u')
    if (o.username !== undefined) {
      // Basic auth rather than u/p in the query string, so credentials stay out of access logs.
      headers.Authorization = `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}`
    }
  } else if (o.apiVersion === 2) {
    path = '/api/v2/write'
    q.set('org', need('org'))
    q.set('bucket', need('bucket'))
    q.set('precision', 'us')
    headers.Authorization = `Token ${need('token')}`
  } else {
    path = '/api/v3/write_lp'
    q.set('db', need('database'))
    q.set('precision', 'microsecond')
    headers.Authorization = `Bearer ${need('token')}`
  }
  return { url: `${base}${path}?${q.toString()}`, headers }
}

/** Creates an InfluxDB sink. */
export function createInfluxSink(o: InfluxSinkOptions): Sink {
  const request = influxWriteRequest(o)
  return {
    name: o.name,
    type: 'influx',
    encode: (item: ForwardItem) =>
      toPoints(item)
        .map(encodePoint)
        .filter((l): l is string => l !== undefined),
    send: (records) =>
      postWithRetryInfo(
        request.url,
        records.join('\n'),
        request.headers,
        o.timeoutMs,
        `InfluxDB at ${o.url}`,
      ),
    close: () => Promise.resolve(),
  }
}

/** The InfluxDB sink's declaration: its settings and its factory. */
export const influxSinkType = defineSink({
  type: 'influx',
  summary: 'InfluxDB line protocol over HTTP: the v1 /write, v2 and v3 token APIs.',
  settings: {
    url: Type.String({
      pattern: '^https?://',
      description: 'InfluxDB base URL, e.g. http://127.0.0.1:8086',
    }),
    apiVersion: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
      default: 1,
      description: 'Write API: 1 (/write), 2 (/api/v2/write) or 3 (/api/v3/write_lp).',
    }),
    database: Type.Optional(Type.String({ description: 'v1 database / v3 database.' })),
    retentionPolicy: Type.Optional(Type.String({ description: 'v1 retention policy.' })),
    username: Type.Optional(Type.String({ description: 'v1 user (HTTP Basic auth).' })),
    password: Type.Optional(Type.String({ description: 'v1 password.' })),
    org: Type.Optional(Type.String({ description: 'v2 organisation.' })),
    bucket: Type.Optional(Type.String({ description: 'v2 bucket.' })),
    token: Type.Optional(Type.String({ description: 'v2/v3 API token.' })),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000, description: 'Per request.' }),
  },
  create: (c) => createInfluxSink(c),
})
