/**
 * The dashboard's HTTP side against the Sluice broker, without a browser: the event stream opens with a
 * snapshot, the rate control publishes `{p}/{device}/_ctl/rate` under the dashboard's own client id (which
 * the broker's ACL allows) and refuses bad or cross-site requests, and the server will not listen beyond
 * loopback without a login. With no page connected no frame is cut (issue 16).
 */
import { startBroker, silentBrokerLogger, type RunningBroker } from '@sluice/broker'
import { encodeText, rateFilter, rawTopic } from '@sluice/contract'
import {
  collectMessages,
  tempDir,
  waitFor,
  type MessageCollector,
  type TempDir,
} from '@sluice/testkit'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDashboard, type RunningDashboard } from './helpers.js'

describe('dashboard HTTP API', () => {
  let dir: TempDir
  let broker: RunningBroker
  let dashboard: RunningDashboard
  let sub: MessageCollector

  beforeAll(async () => {
    dir = await tempDir('sluice-dashboard-http-')
    broker = await startBroker({ host: '127.0.0.1', port: 0, logger: silentBrokerLogger })
    dashboard = await startDashboard(broker.url, dir.path)
    sub = await collectMessages(broker.url, rateFilter('sluice'), { qos: 1 })
  })
  afterAll(async () => {
    await sub?.close()
    await dashboard?.handle.stop()
    await broker?.close()
    await dir?.remove()
  })

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL('api/rate', dashboard.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })

  it('opens the event stream with a snapshot of the page config', async () => {
    const ac = new AbortController()
    const res = await fetch(new URL('events', dashboard.url), { signal: ac.signal })
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = res.body!.getReader()
    let text = ''
    while (!text.includes('\n\n', text.indexOf('event: snapshot'))) {
      const { value } = await reader.read()
      text += new TextDecoder().decode(value)
    }
    ac.abort()
    const data = /event: snapshot\nid: \d+\ndata: (.*)\n/.exec(text)?.[1]
    expect(JSON.parse(data!).config).toMatchObject({
      prefix: 'sluice',
      frameMs: 100,
      instance: 'd1',
    })
  })

  it('cuts no frame while no page is connected, and frames new samples for a page that is', async () => {
    const stats = async () =>
      (
        (await (await fetch(new URL('api/state', dashboard.url))).json()) as {
          stats: { frames: number; browsers: number; sensors: number }
        }
      ).stats
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'sluice-serial-bridge-httptest' })
    const topic = rawTopic('sluice', 'uno-9', 'light')
    const sample = (seq: number) =>
      encodeText({ seq, t: 1000 + seq, value: seq, ingest: Date.now() })
    const ac = new AbortController()
    try {
      await waitFor(async () => (await stats()).browsers === 0, { message: 'no page connected' })
      const before = (await stats()).frames
      for (let seq = 0; seq < 20; seq++) await pub.publishAsync(topic, sample(seq))
      await waitFor(async () => (await stats()).sensors === 1, {
        message: 'the sensor at the dashboard',
      })
      expect((await stats()).frames).toBe(before)

      const res = await fetch(new URL('events', dashboard.url), { signal: ac.signal })
      const reader = res.body!.getReader()
      let text = ''
      const readUntil = async (pattern: RegExp) => {
        while (!pattern.test(text)) text += new TextDecoder().decode((await reader.read()).value)
      }
      await readUntil(/event: snapshot\nid: \d+\ndata: .*\n\n/)
      await pub.publishAsync(topic, sample(20))
      await readUntil(/event: frame\nid: \d+\ndata: .*"seq":\[[^\]]*\b20\b/)
      expect((await stats()).frames).toBeGreaterThan(before)
    } finally {
      ac.abort()
      await pub.endAsync()
    }
  })

  it('publishes a rate command on the device topic, through the broker ACL', async () => {
    const res = await post({ device: 'uno-1', hz: 25 })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ ok: true, topic: 'sluice/uno-1/_ctl/rate', hz: 25 })
    await waitFor(() => sub.messages.length > 0, { message: 'a rate command' })
    expect(sub.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([
      ['sluice/uno-1/_ctl/rate', '{"hz":25}'],
    ])
  })

  it('refuses a bad device, a bad rate, a non-JSON body and a cross-site request', async () => {
    expect((await post({ device: 'Uno 1', hz: 5 })).status).toBe(400)
    expect((await post({ device: 'uno', hz: -1 })).status).toBe(400)
    expect((await post({ device: 'uno', hz: '5' })).status).toBe(400)
    expect((await post({ device: 'uno', hz: 5 }, { 'content-type': 'text/plain' })).status).toBe(
      415,
    )
    expect((await post({ device: 'uno', hz: 5 }, { origin: 'http://evil.example' })).status).toBe(
      403,
    )
    expect(sub.messages.length).toBe(1)
  })

  it('answers 413 to a body over the limit instead of dropping the connection', async () => {
    const res = await post({ device: 'uno', hz: 5, pad: 'x'.repeat(64 * 1024) })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ error: 'body too large' })
    expect(sub.messages.length).toBe(1)
  })

  it('says how to build the page when it is missing', async () => {
    const res = await fetch(dashboard.url)
    expect(res.status).toBe(503)
    expect(await res.text()).toMatch(/pnpm --filter @sluice\/dashboard build/)
  })

  it('will not listen beyond loopback without a login', async () => {
    await expect(
      startDashboard(broker.url, dir.path, { host: '0.0.0.0', instance: 'd2' }),
    ).rejects.toThrow(/beyond loopback/)
  })
})
