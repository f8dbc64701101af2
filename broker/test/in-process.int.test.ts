/**
 * Issue 16: inside `sluice up`, the services reach the embedded broker through in-memory streams
 * (`inProcessClients`), with the same MQTT, login, ACL and will as over a loopback socket.
 */
import { createMqttTransport, type Transport } from '@sluice/mesh'
import { afterEach, describe, expect, it } from 'vitest'
import { startBroker, type RunningBroker } from '../src/index.js'
import { waitFor } from './helpers.js'

/** TCP sockets open in this process (client and accepted ends alike). */
const tcpSockets = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length

const open: { brokers: RunningBroker[]; clients: Transport[] } = { brokers: [], clients: [] }

afterEach(async () => {
  for (const c of open.clients.splice(0)) await c.close({ graceful: false })
  for (const b of open.brokers.splice(0)) await b.close()
})

async function broker(inProcessClients: boolean, port = 0): Promise<RunningBroker> {
  const b = await startBroker({ port, metricsIntervalMs: 0, inProcessClients })
  open.brokers.push(b)
  return b
}

async function client(url: string, id: string, will?: string): Promise<Transport> {
  const t = createMqttTransport({
    url,
    clientId: id,
    reconnectPeriod: 100,
    ...(will === undefined ? {} : { will: { topic: will, payload: 'gone', qos: 1, retain: false } }),
  })
  open.clients.push(t)
  await t.connect()
  return t
}

/** Collects what `t` receives on `filter`. */
async function received(t: Transport, filter: string | string[]): Promise<string[]> {
  const got: string[] = []
  t.onMessage((m, ack) => {
    got.push(`${m.topic} ${Buffer.from(m.payload).toString()}`)
    ack()
  })
  await t.subscribe(filter, 1)
  return got
}

describe('in-process clients', () => {
  it('connect without a socket, exchange QoS 1 messages, and leave a will when they crash', async () => {
    const b = await broker(true)
    const before = tcpSockets()
    const sub = await client(b.url, 'sluice-dashboard-t1')
    const pub = await client(b.url, 'sluice-serial-bridge-t1', 'sluice/_sys/serial-bridge/t1/status')
    expect(tcpSockets()).toBe(before)
    const got = await received(sub, ['sluice/d1/#', 'sluice/_sys/serial-bridge/#'])
    await pub.publish('sluice/d1/light/raw', '{"seq":1}', { qos: 1 })
    await waitFor(() => got.length === 1, 5000, 'the QoS 1 message')
    expect(got).toEqual(['sluice/d1/light/raw {"seq":1}'])
    await pub.close({ graceful: false })
    await waitFor(() => got.length === 2, 5000, 'the will')
    expect(got[1]).toBe('sluice/_sys/serial-bridge/t1/status gone')
  })

  it('use sockets when the broker was not asked to serve them (the baseline of the count above)', async () => {
    const b = await broker(false)
    const before = tcpSockets()
    await client(b.url, 'sluice-dashboard-t2')
    await waitFor(() => tcpSockets() >= before + 2, 5000, 'both ends of a TCP connection')
  })

  it('reconnect to a broker restarted on the same port, in memory again', async () => {
    const first = await broker(true)
    const port = first.tcpPort
    const sub = await client(first.url, 'sluice-dashboard-t3')
    let connects = 0
    sub.onEvent((e) => {
      if (e.type === 'connect') connects++
    })
    await first.close()
    open.brokers.splice(open.brokers.indexOf(first), 1)
    const second = await broker(true, port)
    await waitFor(() => connects === 1, 10_000, 'the reconnection')
    const before = tcpSockets()
    const got = await received(sub, 'sluice/d1/#')
    const pub = await client(second.url, 'sluice-serial-bridge-t3')
    expect(tcpSockets()).toBe(before)
    await pub.publish('sluice/d1/light/raw', '{"seq":2}', { qos: 1 })
    await waitFor(() => got.length === 1, 5000, 'the message after the restart')
  })
})
