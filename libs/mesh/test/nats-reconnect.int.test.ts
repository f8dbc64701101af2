/**
 * A NATS transport's subscriptions are handed their retained values again after a reconnect, as an MQTT
 * client's are when it subscribes again on its new connection. A group member that moved to another
 * server (its own died) must hear again the members that did not move, which publish nothing new: it
 * took them out of its group after its grace time (windowing's scale-out test on a NATS cluster).
 */
import { KNOWN_PROGRAMS, requireProgram, startNatsServer, waitFor } from '@sluice/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { createNatsTransport } from '../src/internal.js'

const natsServer = requireProgram('nats-server', KNOWN_PROGRAMS['nats-server']?.candidates, {
  log: null,
})
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!natsServer.available)('a NATS transport after a reconnect', () => {
  const closing: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await c()
  })

  it('hands its subscriptions their retained values again', async () => {
    const server = await startNatsServer()
    closing.push(() => server.stop())
    const make = (clientId: string) =>
      createNatsTransport({ url: server.url, clientId, prefix: 'rc' })
    const member = make('rc-member')
    const other = make('rc-other')
    const heard: { topic: string; payload: string; retain: boolean }[] = []
    member.onMessage((m, ack) => {
      heard.push({
        topic: m.topic,
        payload: Buffer.from(m.payload).toString(),
        retain: m.retain,
      })
      ack()
    })
    const connects: number[] = []
    member.onEvent((e) => {
      if (e.type === 'connect') connects.push(Date.now())
    })
    await member.connect()
    await other.connect()
    closing.push(
      () => member.close({ graceful: false }),
      () => other.close({ graceful: false }),
    )
    const topics = (from: number) => new Set(heard.slice(from).map((h) => h.topic))
    await other.publish('rc/_sys/w/w2/status', '{"state":"online"}', { qos: 1, retain: true })
    await member.subscribe('rc/_sys/+/+/status', 0)
    await other.publish('rc/_sys/w/w3/status', '{"state":"online"}', { qos: 1, retain: true })
    // The one published before the subscription may come twice: live, and retained.
    await waitFor(() => topics(0).size === 2, { timeout: 5000, message: 'both statuses' })
    await sleep(500)

    // The server restarts with its store: both clients reconnect, and neither publishes anything.
    const before = heard.length
    const connected = connects.length
    await server.restart()
    await waitFor(() => connects.length > connected, { timeout: 15_000, message: 'the reconnect' })
    await waitFor(() => heard.length >= before + 2, {
      timeout: 10_000,
      message: 'the retained values again',
    })
    await sleep(500)
    const after = heard.slice(before).sort((a, b) => a.topic.localeCompare(b.topic))
    expect(after).toEqual([
      { topic: 'rc/_sys/w/w2/status', payload: '{"state":"online"}', retain: true },
      { topic: 'rc/_sys/w/w3/status', payload: '{"state":"online"}', retain: true },
    ])
  }, 60_000)
})
