/**
 * A NATS transport after a reconnect:
 * - its subscriptions are handed their retained values again, as an MQTT client's are when it subscribes
 *   again on its new connection. A group member that moved to another server (its own died) must hear
 *   again the members that did not move, which publish nothing new: it took them out of its group after
 *   its grace time (windowing's scale-out test on a NATS cluster).
 * - what the server had sent to it when the connection died, and never arrived, comes again at once, not
 *   after the consumers' acknowledgement wait (5 minutes). On a 3-node cluster whose node was killed, a
 *   few samples of the windowing test came that late (1 723 of 1 728 in time).
 */
import {
  KNOWN_PROGRAMS,
  requireProgram,
  startNatsServer,
  startTcpProxy,
  waitFor,
} from '@sluice/testkit'
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

  it.each([
    ['a clean session', true, false],
    ['a persistent session', false, false],
    // Acknowledged 20 ms after the next is read, as a hop in `handled` mode does.
    ['a clean session, acknowledging after handling', true, true],
  ])(
    'on %s, delivers at once what its server sent while the connection died',
    async (_name, clean, handled) => {
      const server = await startNatsServer()
      closing.push(() => server.stop())
      const proxy = await startTcpProxy(server.port)
      closing.push(() => proxy.stop())
      const reader = createNatsTransport({
        url: `nats://127.0.0.1:${proxy.port}`,
        clientId: 'rc-reader',
        prefix: 'rc',
        clean,
      })
      const writer = createNatsTransport({ url: server.url, clientId: 'rc-writer', prefix: 'rc' })
      const received = new Map<string, number>()
      const duplicates: string[] = []
      reader.onMessage((m, ack, readOn) => {
        const text = Buffer.from(m.payload).toString()
        if (m.duplicate === true) duplicates.push(text)
        received.set(text, (received.get(text) ?? 0) + 1)
        if (!handled || readOn === undefined) return ack()
        readOn()
        setTimeout(ack, 20)
      })
      let connects = 0
      reader.onEvent((e) => {
        if (e.type === 'connect') connects++
      })
      await reader.connect()
      await writer.connect()
      closing.push(
        () => reader.close({ graceful: false }),
        () => writer.close({ graceful: false }),
      )
      await reader.subscribe('rc/+/+/raw', 1)
      const send = async (from: number, to: number): Promise<void> => {
        for (let i = from; i < to; i++)
          await writer.publish(`rc/d${i % 4}/c/raw`, `m${i}`, { qos: 1 })
      }
      await send(0, 20)
      await waitFor(() => received.size === 20, { timeout: 5000, message: 'the first 20' })

      // The server sends the next 20, and they are lost on the way; then the connection dies.
      proxy.blackhole()
      await send(20, 40)
      await sleep(300)
      expect(received.size).toBe(20)
      const before = connects
      proxy.cut()
      await waitFor(() => connects > before, { timeout: 10_000, message: 'the reconnect' })
      await send(40, 60)
      await waitFor(() => received.size === 60, {
        timeout: 10_000,
        message: () => `every message: ${received.size} of 60`,
      })
      // Each came once, or again counted as a duplicate.
      for (const [text, n] of received)
        expect(n - duplicates.filter((d) => d === text).length).toBe(1)
    },
    60_000,
  )
})
