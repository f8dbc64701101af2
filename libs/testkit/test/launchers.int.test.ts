import { closeSync, constants, openSync, writeSync } from 'node:fs'
import { ReadStream } from 'node:tty'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectMessages } from '../src/collect-messages.js'
import { findProgram } from '../src/external.js'
import { startAedes } from '../src/aedes.js'
import { startInfluxd, type RunningInfluxd } from '../src/influxd.js'
import { startMosquitto, type RunningMosquitto } from '../src/mosquitto.js'
import { createPtyPair } from '../src/socat.js'
import { waitFor } from '../src/wait-for.js'

const mosquitto = findProgram('mosquitto')
const influxd = findProgram('influxd')
const socat = findProgram('socat')

describe('startAedes', () => {
  it('round-trips a QoS 1 message on a free port, and stops with a client still connected', async () => {
    const broker = await startAedes()
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`)
    const sub = await collectMessages(broker.url, 'sluice/+/+/raw', { qos: 1 })
    const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    await pub.publishAsync('sluice/dev-1/light/raw', '{"seq":1}', { qos: 1 })
    await sub.waitForCount(1)
    expect(sub.json()).toEqual([{ seq: 1 }])
    await sub.close()
    await broker.stop()
    await broker.stop()
    await waitFor(() => !pub.connected, {
      timeout: 2000,
      message: 'the client to see the broker gone',
    })
    pub.end(true)
  })
})

describe.skipIf(!mosquitto.available)('startMosquitto', () => {
  let mosq: RunningMosquitto
  beforeAll(async () => {
    mosq = await startMosquitto({ config: { max_queued_messages: 100 } })
  })
  afterAll(() => mosq.stop())

  it('round-trips a QoS 1 message between two mqtt.js clients', async () => {
    expect(mosq.config).toContain('max_queued_messages 100')
    const sub = await collectMessages(mosq.url, 'sluice/+/+/raw', { qos: 1 })
    const pub = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 })
    await pub.publishAsync('sluice/dev-1/light/raw', '{"seq":1}', { qos: 1 })
    await sub.waitForCount(1)
    expect(sub.messages[0]).toMatchObject({ topic: 'sluice/dev-1/light/raw', qos: 1 })
    expect(sub.json()).toEqual([{ seq: 1 }])
    await pub.endAsync()
    await sub.close()
  })
})

describe.skipIf(!influxd.available)('startInfluxd', () => {
  let influx: RunningInfluxd
  beforeAll(async () => {
    influx = await startInfluxd()
  })
  afterAll(() => influx.stop())

  it('creates a database, takes a line-protocol point and queries it back', async () => {
    await influx.query('CREATE DATABASE sluice')
    await influx.write('sluice', 'window,sensor=dev-1/light mean=451.2,count=50i 1732480005000')
    const r = await influx.query('SELECT mean, "count" FROM "window"', 'sluice')
    const series = r.results[0]?.series?.[0]
    expect(series?.columns).toEqual(['time', 'mean', 'count'])
    expect(series?.values).toEqual([['2024-11-24T20:26:45Z', 451.2, 50]])
  })

  it('reports a bad statement as an error', async () => {
    await expect(influx.query('SELEKT nothing')).rejects.toThrow(/influxd/)
  })
})

describe.skipIf(!socat.available)('createPtyPair', () => {
  it('carries bytes written at one end to the other', async () => {
    const pty = await createPtyPair()
    const a = openSync(pty.a, constants.O_RDWR | constants.O_NOCTTY)
    // A pty is a TTY: read it through tty.ReadStream (libuv polls it), not an fs stream, whose blocking
    // reads would hold a threadpool thread and hang close().
    const b = new ReadStream(openSync(pty.b, constants.O_RDWR | constants.O_NOCTTY))
    try {
      const received: Buffer[] = []
      b.on('data', (chunk: Buffer) => received.push(chunk))
      writeSync(a, '17,450,23.5\n')
      await waitFor(() => Buffer.concat(received).toString('utf8') === '17,450,23.5\n', {
        timeout: 3000,
        message: 'the line at the other pty end',
      })
    } finally {
      b.destroy()
      closeSync(a)
      await pty.stop()
    }
  })
})
