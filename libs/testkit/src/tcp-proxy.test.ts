import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

describe('startTcpProxy', () => {
  const closing: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await c()
  })

  /** An echo server behind a proxy, and a client of the proxy that collects what comes back. */
  async function echoBehindProxy(): Promise<{ proxy: TcpProxy; client: () => Promise<Socket> }> {
    const server = createServer((s) => s.pipe(s).on('error', () => undefined))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    closing.push(() => new Promise((resolve) => server.close(resolve)))
    const proxy = await startTcpProxy((server.address() as AddressInfo).port)
    closing.push(() => proxy.stop())
    const client = async (): Promise<Socket> => {
      const c = connect(proxy.port, '127.0.0.1')
      await once(c, 'connect')
      closing.push(() => Promise.resolve(c.destroy()))
      return c
    }
    return { proxy, client }
  }

  it('passes bytes both ways; cut ends the connections open now, and a new one passes', async () => {
    const { proxy, client } = await echoBehindProxy()
    const c = await client()
    let echoed = ''
    c.on('data', (d: Buffer) => (echoed += d.toString()))
    c.write('ping')
    await vi.waitFor(() => expect(echoed).toBe('ping'))
    const closed = once(c, 'close')
    proxy.cut()
    await closed
    const again = await client()
    again.write('pong')
    const [back] = (await once(again, 'data')) as [Buffer]
    expect(back.toString()).toBe('pong')
  })

  it('drops what the server sends once blackholed', async () => {
    const { proxy, client } = await echoBehindProxy()
    const c = await client()
    let echoed = ''
    c.on('data', (d: Buffer) => (echoed += d.toString()))
    proxy.blackhole()
    c.write('lost')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(echoed).toBe('')
  })
})
