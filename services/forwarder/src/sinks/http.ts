/**
 * @module sinks/http
 * The webhook sink: each batch is one JSON POST
 * `{"sink", "items": [{"topic", "kind", "payload"}, …]}` with the configured headers, an
 * `Idempotency-Key` (a hash of the body, so the same when a batch is replayed), and optionally an
 * HMAC-SHA256 signature of the exact body in `X-Sluice-Signature: sha256=<hex>`, so the receiver can
 * check the batch came from us and was not altered.
 */
import { createHash, createHmac } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import { defineSink } from './define-sink.js'
import { postWithRetryInfo } from './http-post.js'
import { encodeJsonItem, type Sink } from './sink.js'

/** Webhook sink settings. */
export interface HttpSinkOptions {
  readonly name: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly hmacSecret?: string
  readonly timeoutMs: number
}

/** The HMAC header value for a body: `sha256=<hex>`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Creates a webhook sink. */
export function createHttpSink(o: HttpSinkOptions): Sink {
  return {
    name: o.name,
    type: 'http',
    encode: encodeJsonItem,
    send(records) {
      const body = `{"sink":${JSON.stringify(o.name)},"items":[${records.join(',')}]}`
      // The same records make the same key, so a receiver can drop a batch replayed after a lost answer.
      const key = createHash('sha256').update(body).digest('hex').slice(0, 32)
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
        ...o.headers,
      }
      if (o.hmacSecret !== undefined) headers['X-Sluice-Signature'] = signBody(o.hmacSecret, body)
      return postWithRetryInfo(o.url, body, headers, o.timeoutMs, `webhook ${o.url}`)
    },
    close: () => Promise.resolve(),
  }
}

/** The webhook sink's declaration: its settings and its factory. */
export const httpSinkType = defineSink({
  type: 'http',
  summary: 'HTTP webhook: one JSON POST per batch, with an Idempotency-Key and an optional HMAC.',
  settings: {
    url: Type.String({ pattern: '^https?://', description: 'The webhook URL.' }),
    headers: Type.Record(Type.String(), Type.String(), {
      default: {},
      description: 'Extra request headers.',
    }),
    hmacSecret: Type.Optional(
      Type.String({ description: 'Signs each body: X-Sluice-Signature: sha256=<hex>.' }),
    ),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000, description: 'Per request.' }),
  },
  create: (c) => createHttpSink(c),
})
