import {
  createConnection,
  createServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net'
import { writeToStream, type IPublishPacket } from 'mqtt-packet'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { writeOncePerTurn } from './write-once-per-turn.js'

/** A loopback server that collects what it receives, and a client socket connected to it. */
async function connected(): Promise<{ server: Server; client: Socket; received: () => string }> {
  let data = ''
  const server = createServer((s) => s.on('data', (chunk: Buffer) => (data += chunk.toString())))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const client = createConnection((server.address() as AddressInfo).port, '127.0.0.1')
  await new Promise<void>((resolve) => client.once('connect', resolve))
  return { server, client, received: () => data }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('writeOncePerTurn', () => {
  const open: { server: Server; client: Socket }[] = []
  afterEach(async () => {
    for (const { server, client } of open.splice(0)) {
      client.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('sends what one turn wrote in one system call, at the end of the turn', async () => {
    const c = await connected()
    open.push(c)
    // What Node hands the system: `_writev` with every chunk at once, or `_write` per chunk.
    const writev = vi.spyOn(c.client as unknown as { _writev: () => void }, '_writev')
    const write = vi.spyOn(c.client as unknown as { _write: () => void }, '_write')
    writeOncePerTurn(c.client)
    writeOncePerTurn(c.client) // a second call changes nothing
    c.client.write('a')
    c.client.write('b')
    c.client.write('c')
    expect(writev).not.toHaveBeenCalled()
    expect(write).not.toHaveBeenCalled()
    await turn()
    expect(writev).toHaveBeenCalledTimes(1)
    expect(write).not.toHaveBeenCalled()
    // The next turn's writes go out together again.
    c.client.write('d')
    c.client.write('e')
    await turn()
    expect(writev).toHaveBeenCalledTimes(2)
    await vi.waitFor(() => expect(c.received()).toBe('abcde'))
  })

  it('without it, each write is its own system call (what the test above would see)', async () => {
    const c = await connected()
    open.push(c)
    const write = vi.spyOn(c.client as unknown as { _write: () => void }, '_write')
    c.client.write('a')
    c.client.write('b')
    expect(write).toHaveBeenCalledTimes(2)
    await vi.waitFor(() => expect(c.received()).toBe('ab'))
  })

  it('leaves mqtt-packet no per-packet cork: one cork for the whole turn, not one per packet', async () => {
    const c = await connected()
    open.push(c)
    writeOncePerTurn(c.client)
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic: 't',
      payload: 'x',
      qos: 0,
      dup: false,
      retain: false,
    }
    for (let i = 0; i < 3; i++) writeToStream(packet, c.client)
    // mqtt-packet corks a stream that has `cork` once more per packet, each undone on a next tick.
    expect(c.client.writableCorked).toBe(1)
    await turn()
    expect(c.client.writableCorked).toBe(0)
    // Each packet: a fixed header of 2 bytes, the topic's length and name (3), the payload (1).
    await vi.waitFor(() => expect(c.received().length).toBe(3 * 6))
    // `end` still uncorks and sends what is corked.
    writeToStream(packet, c.client)
    c.client.end()
    await vi.waitFor(() => expect(c.received().length).toBe(4 * 6))
  })

  it('keeps backpressure: a turn that writes past the high-water mark is told to wait, and drains', async () => {
    const c = await connected()
    open.push(c)
    writeOncePerTurn(c.client)
    const big = Buffer.alloc(c.client.writableHighWaterMark + 1, 120)
    expect(c.client.write('x')).toBe(true)
    expect(c.client.write(big)).toBe(false)
    await new Promise((resolve) => c.client.once('drain', resolve))
    await vi.waitFor(() => expect(c.received().length).toBe(big.length + 1))
  })
})
