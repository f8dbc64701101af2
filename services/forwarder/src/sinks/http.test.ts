import { createHmac, timingSafeEqual } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHttpReceiver, type HttpReceiver } from '../../test/http-receiver.js'
import { createHttpSink, signBody } from './http.js'
import { SinkSendError } from './sink.js'

let rx: HttpReceiver
beforeEach(async () => {
  rx = await startHttpReceiver()
})
afterEach(async () => {
  await rx.close()
})

const records = [
  JSON.stringify({
    topic: 'sluice/uno/light/anomaly',
    kind: 'anomaly',
    payload: { seq: 1, value: 9 },
  }),
  JSON.stringify({ topic: 'sluice/uno/light/window/w5s', kind: 'window', payload: { mean: 1.5 } }),
]

/** What a receiver does to check a signature: recompute it over the raw body, compare in constant time. */
function verify(secret: string, body: string, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
  const got = Buffer.from(header ?? '')
  return got.length === expected.length && timingSafeEqual(got, expected)
}

describe('webhook sink', () => {
  it('POSTs one JSON batch with the configured headers and an HMAC-SHA256 signature of the exact body', async () => {
    const sink = createHttpSink({
      name: 'hook',
      url: `${rx.url}/ingest`,
      headers: { 'X-Api-Key': 'k1' },
      hmacSecret: 's3cret',
      timeoutMs: 5000,
    })
    await sink.send(records)
    expect(rx.requests).toHaveLength(1)
    const r = rx.requests[0]!
    expect(r.method).toBe('POST')
    expect(r.url).toBe('/ingest')
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.headers['x-api-key']).toBe('k1')
    const sig = r.headers['x-sluice-signature'] as string
    expect(verify('s3cret', r.body, sig)).toBe(true)
    expect(verify('wrong', r.body, sig)).toBe(false)
    expect(verify('s3cret', r.body.replace('"value":9', '"value":8'), sig)).toBe(false)
    expect(sig).toBe(signBody('s3cret', r.body))
    const parsed = JSON.parse(r.body) as { sink: string; items: { topic: string }[] }
    expect(parsed.sink).toBe('hook')
    expect(parsed.items.map((i) => i.topic)).toEqual([
      'sluice/uno/light/anomaly',
      'sluice/uno/light/window/w5s',
    ])
  })

  it('sends no signature without a secret, and the same Idempotency-Key when a batch is replayed', async () => {
    const sink = createHttpSink({ name: 'hook', url: rx.url, headers: {}, timeoutMs: 5000 })
    await sink.send(records)
    await sink.send(records)
    await sink.send(records.slice(1))
    expect(rx.requests[0]!.headers['x-sluice-signature']).toBeUndefined()
    const keys = rx.requests.map((r) => r.headers['idempotency-key'])
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/)
    expect(keys[1]).toBe(keys[0])
    expect(keys[2]).not.toBe(keys[0])
  })

  it('turns 429 with Retry-After into a retryable error carrying the delay', async () => {
    rx.answer = () => ({ status: 429, headers: { 'Retry-After': '7' }, body: 'slow down' })
    const sink = createHttpSink({ name: 'hook', url: rx.url, headers: {}, timeoutMs: 5000 })
    const err = await sink.send(records).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SinkSendError)
    expect(err).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
      status: 429,
      code: 'SLUICE_ERR_FORWARD_SEND',
    })
  })

  it('turns 401 into a non-retryable error that names the credentials', async () => {
    rx.answer = () => ({ status: 401, body: 'bad key' })
    const sink = createHttpSink({ name: 'hook', url: rx.url, headers: {}, timeoutMs: 5000 })
    const err = (await sink.send(records).catch((e: unknown) => e)) as SinkSendError
    expect(err.retryable).toBe(false)
    expect(err.code).toBe('SLUICE_ERR_FORWARD_REJECTED')
    expect(err.message).toMatch(/401.*credentials were refused.*bad key/)
  })

  it('treats 5xx and an unreachable receiver as retryable', async () => {
    rx.answer = () => ({ status: 503 })
    const sink = createHttpSink({ name: 'hook', url: rx.url, headers: {}, timeoutMs: 5000 })
    expect(await sink.send(records).catch((e: unknown) => e)).toMatchObject({
      retryable: true,
      status: 503,
    })
    const url = rx.url
    await rx.close()
    const gone = createHttpSink({ name: 'hook', url, headers: {}, timeoutMs: 5000 })
    const err = (await gone.send(records).catch((e: unknown) => e)) as SinkSendError
    expect(err.retryable).toBe(true)
    expect(err.message).toMatch(/unreachable \(ECONNREFUSED\)/)
    rx = await startHttpReceiver()
  })
})
