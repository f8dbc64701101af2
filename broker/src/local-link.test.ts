import { Buffer } from 'node:buffer'
import { once } from 'node:events'
import type { Duplex } from 'node:stream'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { createLocalLink } from './local-link.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Reads an end as Aedes does: `read()` on `readable`, each chunk into one mqtt-packet parser. */
function readPackets(end: Duplex): { packets: mqttPacket.Packet[]; chunks: number } {
  const parser = mqttPacket.parser()
  const got = { packets: [] as mqttPacket.Packet[], chunks: 0 }
  parser.on('packet', (p) => got.packets.push(p))
  end.on('readable', () => {
    for (
      let chunk = end.read() as Buffer | null;
      chunk !== null;
      chunk = end.read() as Buffer | null
    ) {
      got.chunks++
      parser.parse(chunk)
    }
  })
  return got
}

const write = (end: Duplex, p: object): boolean =>
  mqttPacket.writeToStream(p as mqttPacket.Packet, end as never)

const publish = (topic: string, payload: string | Buffer, qos: 0 | 1 = 0, messageId?: number) => ({
  cmd: 'publish',
  topic,
  payload,
  qos,
  retain: false,
  dup: false,
  ...(messageId === undefined ? {} : { messageId }),
})

describe('createLocalLink', () => {
  it("passes a turn's packets, objects and bytes, as one chunk, in order, both ways", async () => {
    const [client, broker] = createLocalLink()
    const atBroker = readPackets(broker)
    const atClient = readPackets(client)
    write(client, { cmd: 'connect', clientId: 'c1', keepalive: 30, clean: true })
    write(client, publish('a/b', 'one'))
    write(client, { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 1 }] })
    write(client, publish('a/b', Buffer.from('two'), 1, 2))
    write(broker, { cmd: 'puback', messageId: 2 })
    expect(atBroker.packets).toEqual([])
    await turn()
    await turn()
    expect(atBroker.chunks).toBe(1)
    expect(atBroker.packets.map((p) => p.cmd)).toEqual([
      'connect',
      'publish',
      'subscribe',
      'publish',
    ])
    expect(atBroker.packets[0]).toMatchObject({ clientId: 'c1', keepalive: 30, clean: true })
    expect(atBroker.packets[2]).toMatchObject({ subscriptions: [{ topic: 'x/#', qos: 1 }] })
    expect(atBroker.packets[3]).toMatchObject({ topic: 'a/b', qos: 1, messageId: 2 })
    expect(atBroker.packets.map((p) => String((p as { payload?: Buffer }).payload))).toEqual([
      'null',
      'one',
      'null',
      'two',
    ])
    expect(atClient.packets).toMatchObject([{ cmd: 'puback', messageId: 2 }])
    write(client, publish('a/c', 'three'))
    await turn()
    await turn()
    expect(atBroker.chunks).toBe(2)
    expect(atBroker.packets[4]).toMatchObject({ topic: 'a/c', payload: Buffer.from('three') })
    client.destroy()
  })

  it('holds the writer back at its high-water mark, and past 16 chunks the reader has not read', async () => {
    const [client, broker] = createLocalLink()
    // Packets of 1 006 bytes on the wire, in one turn, past the writable's high-water mark (16 KiB on
    // Node 20, 64 KiB from Node 22), as on a socket.
    const payload = Buffer.alloc(1000)
    const full = Math.ceil(client.writableHighWaterMark / 1006)
    const returned: boolean[] = []
    for (let i = 0; i < full + 4; i++) returned.push(write(client, publish('t', payload)))
    expect(returned.indexOf(false)).toBe(full - 1)
    // Then a packet a turn, unread: 16 chunks wait at the reader, the rest at the writer.
    for (let i = 0; i < 30; i++) {
      write(client, publish('t', payload))
      await turn()
    }
    expect(broker.readableLength).toBe(16)
    expect(client.writableLength).toBeGreaterThan(0)
    const got = readPackets(broker)
    await waitTurns(() => got.packets.length === full + 4 + 30)
    expect(client.writableLength).toBe(0)
    client.destroy()
  })

  it('destroys the link when what is written as bytes is not MQTT', async () => {
    const [client, broker] = createLocalLink()
    const failed = once(client, 'error')
    const closed = once(broker, 'close')
    client.write(Buffer.from([0x00, 0x00]))
    const [error] = (await failed) as [Error]
    // mqtt-packet's word for the reserved packet type 0.
    expect(error.message).toMatch(/not supported/i)
    await closed
  })

  it('ends and closes the two ends together, as a socket does', async () => {
    const [client, broker] = createLocalLink()
    broker.resume()
    const ended = once(broker, 'end')
    client.end()
    await ended
    const [c2, b2] = createLocalLink()
    const closed = once(b2, 'close')
    c2.destroy()
    await closed
    expect(b2.destroyed).toBe(true)
  })
})

async function waitTurns(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await turn()
  expect(cond()).toBe(true)
}
