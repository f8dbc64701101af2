import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHttpReceiver, type HttpReceiver } from '../../test/http-receiver.js'
import { createInfluxSink, influxWriteRequest, type InfluxSinkOptions } from './influx.js'
import type { ForwardItem } from './sink.js'
import { SinkSendError } from './sink.js'

// No InfluxDB 2.x or 3.x server can be installed on this machine (Debian ships 1.6 only), so the v2 and
// v3 request shapes are checked here against a local HTTP server, following the API references:
// v2 https://docs.influxdata.com/influxdb/v2/api/#operation/PostWrite
// v3 https://docs.influxdata.com/influxdb3/core/api/v3/#operation/PostWriteLP

let rx: HttpReceiver
beforeEach(async () => {
  rx = await startHttpReceiver()
})
afterEach(async () => {
  await rx.close()
})

const raw: ForwardItem = {
  kind: 'raw',
  topic: 'sluice/uno/light/raw',
  device: 'uno',
  channel: 'light',
  payload: { seq: 7, t: 1732480000123.4, value: 450, ingest: 1732480000124 },
}
const line = 'sluice_raw,channel=light,device=uno seq=7i,value=450 1732480000123400'

async function sendOne(o: Omit<InfluxSinkOptions, 'name' | 'url' | 'timeoutMs'>) {
  const sink = createInfluxSink({ name: 'db', url: `${rx.url}/`, timeoutMs: 5000, ...o })
  const records = sink.encode(raw)
  expect(records).toEqual([line])
  await sink.send([...records, ...records])
  expect(rx.requests).toHaveLength(1)
  const r = rx.requests[0]!
  const u = new URL(r.url, rx.url)
  return { r, path: u.pathname, q: Object.fromEntries(u.searchParams) }
}

describe('InfluxDB sink request shape', () => {
  it('v1: POST /write?db&rp&precision=u with Basic auth and newline-separated line protocol', async () => {
    const { r, path, q } = await sendOne({
      apiVersion: 1,
      database: 'sluice',
      retentionPolicy: 'week',
      username: 'fwd',
      password: 'pw',
    })
    expect(r.method).toBe('POST')
    expect(path).toBe('/write')
    expect(q).toEqual({ db: 'sluice', rp: 'week', precision: 'u' })
    expect(r.headers.authorization).toBe(`Basic ${Buffer.from('fwd:pw').toString('base64')}`)
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(r.body).toBe(`${line}\n${line}`)
    expect(r.url).not.toContain('pw') // credentials never in the URL
  })

  it('v1 without credentials sends no Authorization header', async () => {
    const { r, q } = await sendOne({ apiVersion: 1, database: 'sluice' })
    expect(q).toEqual({ db: 'sluice', precision: 'u' })
    expect(r.headers.authorization).toBeUndefined()
  })

  it('v2: POST /api/v2/write?org&bucket&precision=us with Authorization: Token', async () => {
    const { r, path, q } = await sendOne({
      apiVersion: 2,
      org: 'acme',
      bucket: 'sensors',
      token: 'tok==',
    })
    expect(path).toBe('/api/v2/write')
    expect(q).toEqual({ org: 'acme', bucket: 'sensors', precision: 'us' })
    expect(r.headers.authorization).toBe('Token tok==')
    expect(r.body).toBe(`${line}\n${line}`)
  })

  it('v3: POST /api/v3/write_lp?db&precision=microsecond with Authorization: Bearer', async () => {
    const { r, path, q } = await sendOne({ apiVersion: 3, database: 'sluice', token: 'apiv3_x' })
    expect(path).toBe('/api/v3/write_lp')
    expect(q).toEqual({ db: 'sluice', precision: 'microsecond' })
    expect(r.headers.authorization).toBe('Bearer apiv3_x')
  })

  it('refuses a config that lacks what its API version needs, naming the setting', () => {
    expect(() =>
      influxWriteRequest({ name: 'x', url: rx.url, apiVersion: 2, org: 'a', timeoutMs: 1 }),
    ).toThrow(/v2 sink "x" needs "bucket"/)
    expect(() =>
      influxWriteRequest({ name: 'x', url: rx.url, apiVersion: 3, database: 'd', timeoutMs: 1 }),
    ).toThrow(/needs "token"/)
    expect(() =>
      influxWriteRequest({ name: 'x', url: rx.url, apiVersion: 1, timeoutMs: 1 }),
    ).toThrow(/needs "database"/)
  })

  it('reports a 401 as non-retryable with a hint, and a 404 database as non-retryable', async () => {
    rx.answer = () => ({ status: 401, body: '{"error":"authorization failed"}' })
    const sink = createInfluxSink({
      name: 'db',
      url: rx.url,
      apiVersion: 1,
      database: 'sluice',
      timeoutMs: 5000,
    })
    const e401 = (await sink.send([line]).catch((e: unknown) => e)) as SinkSendError
    expect(e401).toBeInstanceOf(SinkSendError)
    expect(e401.retryable).toBe(false)
    expect(e401.message).toMatch(/401 .*credentials were refused.*authorization failed/)
    rx.answer = () => ({ status: 404, body: '{"error":"database not found: \\"sluice\\""}' })
    const e404 = (await sink.send([line]).catch((e: unknown) => e)) as SinkSendError
    expect(e404.retryable).toBe(false)
    expect(e404.message).toMatch(/database not found/)
  })
})
