import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createLocalLink } from './local-link.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('createLocalLink', () => {
  it('passes what one turn writes as one chunk, in order, both ways', async () => {
    const [client, broker] = createLocalLink()
    const atBroker: string[] = []
    const atClient: string[] = []
    broker.on('data', (chunk: Buffer) => atBroker.push(chunk.toString()))
    client.on('data', (chunk: Buffer) => atClient.push(chunk.toString()))
    client.write('a')
    client.write(Buffer.from('b'))
    client.write('c')
    broker.write('x')
    expect(atBroker).toEqual([])
    await turn()
    await turn()
    expect(atBroker).toEqual(['abc'])
    expect(atClient).toEqual(['x'])
    client.write('d')
    await turn()
    await turn()
    expect(atBroker).toEqual(['abc', 'd'])
    client.destroy()
  })

  it('holds the writer back while the reader does not read (its buffer is full)', async () => {
    const [client, broker] = createLocalLink()
    let settled = false
    client.write(Buffer.alloc(2 * broker.readableHighWaterMark), () => (settled = true))
    for (let i = 0; i < 5; i++) await turn()
    expect(settled).toBe(false)
    expect(broker.read()?.length).toBe(2 * broker.readableHighWaterMark)
    await waitTurns(() => settled)
    client.destroy()
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
