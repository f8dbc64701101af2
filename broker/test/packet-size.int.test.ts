/**
 * The packet size limit holds while parsing (issue 11, item 8): a PUBLISH announcing 200 MB used to be
 * buffered whole before the payload limit saw it (161 MB → 540 MB RSS). Now the connection closes as
 * soon as the fixed header announces more than `maxPacketBytes`, and the body is never buffered.
 */
import type { Socket } from 'node:net'
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { startBroker, type RunningBroker } from '../src/index.js'
import { connectRaw } from './raw-client.js'
import { closedWithin, connectPacket, encodeRemainingLength, openIdle } from './raw-connect.js'

const brokers: RunningBroker[] = []

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

async function start() {
  const broker = await startBroker({ port: 0, metricsIntervalMs: 0, anonymousRole: 'admin' })
  brokers.push(broker)
  return broker
}

const MB = 1024 * 1024

/**
 * Writes `header`, then 1 MB chunks (one buffer, reused) until the broker closes the socket or `limit`
 * bytes went out; resolves with the bytes written.
 */
async function stream(socket: Socket, header: Buffer, limit: number): Promise<number> {
  const chunk = Buffer.alloc(MB, 0x61)
  let closed = false
  socket.once('close', () => (closed = true))
  socket.write(header)
  let sent = 0
  while (!closed && sent < limit) {
    const flushed = socket.write(chunk)
    sent += chunk.length
    if (!flushed) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve)
        socket.once('close', resolve)
      })
    }
  }
  return sent
}

function publishHeader(announced: number, topic: string): Buffer {
  const t = Buffer.from(topic)
  const len = Buffer.from([t.length >> 8, t.length & 0xff])
  return Buffer.concat([Buffer.from([0x30]), encodeRemainingLength(announced), len, t])
}

describe('maxPacketBytes', () => {
  it('closes a connection announcing a 200 MB PUBLISH without buffering it', async () => {
    const broker = await start()
    const raw = await connectRaw(broker.tcpPort, 'big-publisher')
    const before = process.memoryUsage().arrayBuffers
    const sent = await stream(raw.socket, publishHeader(200 * MB, 'sluice/d/c/raw'), 64 * MB)
    await closedWithin(raw.socket)
    const grown = process.memoryUsage().arrayBuffers - before
    console.info(
      `200 MB PUBLISH: closed after ${(sent / MB).toFixed(0)} MB written, buffers grew ${(grown / MB).toFixed(1)} MB`,
    )
    // Before the fix every byte sent stayed buffered in the broker (this same process) and the
    // connection stayed open, so all 64 MB went out.
    expect(sent).toBeLessThan(16 * MB)
    expect(grown).toBeLessThan(16 * MB)
    expect(broker.metrics().connections.refused.oversize).toBe(1)
    // and the broker still serves everyone else
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    await c.publishAsync('sluice/d/c/raw', 'small', { qos: 1 })
    await c.endAsync()
  })

  it('closes a connection announcing a huge CONNECT, before anyone logged in', async () => {
    const broker = await start()
    const socket = await openIdle(broker.tcpPort, '127.0.0.2')
    const connect = connectPacket('x')
    // a CONNECT whose fixed header announces 100 MB (the first bytes of a real CONNECT follow)
    const header = Buffer.concat([
      Buffer.from([0x10]),
      encodeRemainingLength(100 * MB),
      connect.subarray(2),
    ])
    const sent = await stream(socket, header, 64 * MB)
    expect(sent).toBeLessThan(16 * MB)
    expect(broker.metrics().connections.refused.oversize).toBe(1)
  })

  it('still accepts a packet just under the limit', async () => {
    const broker = await startBroker({
      port: 0,
      metricsIntervalMs: 0,
      anonymousRole: 'admin',
      maxPayloadBytes: 1000,
      maxPacketBytes: 2000,
    })
    brokers.push(broker)
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    await c.publishAsync('sluice/d/c/raw', Buffer.alloc(1500), { qos: 1 }) // over the payload limit
    expect(c.connected).toBe(true) // discarded and counted, not closed [MQTT-3.3.5-2]
    expect(broker.metrics().messages.refused.payload).toBe(1)
    await c.endAsync()
  })
})
