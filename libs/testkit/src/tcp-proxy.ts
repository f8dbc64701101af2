/**
 * @module tcp-proxy
 * A TCP proxy on loopback in front of one server, for tests that cut the link between a client and its
 * server while both live on: `cut()` ends every connection open now, and new ones pass again, so a client
 * reconnects through the same address (the server keeps its sessions). `blackhole()` first drops every byte
 * the server sends to its clients, as a link that goes quiet or a server that dies with data in flight.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

/** A running proxy. */
export interface TcpProxy {
  readonly port: number
  /** Drops whatever the server sends to the connections open now, until they are cut. */
  blackhole(): void
  /** Ends every connection open now; new ones pass normally. */
  cut(): void
  stop(): Promise<void>
}

/**
 * Starts a proxy on a free loopback port that forwards to `127.0.0.1:targetPort`.
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy(broker.port)
 * const client = connectTo(`mqtt://127.0.0.1:${proxy.port}`)
 * proxy.cut() // the client reconnects through the proxy
 * ```
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; server: Socket; dropping: boolean }>()
  const proxy: Server = createServer((client) => {
    const server = connect(targetPort, '127.0.0.1')
    const pair = { client, server, dropping: false }
    pairs.add(pair)
    client.on('data', (chunk) => server.write(chunk))
    server.on('data', (chunk) => {
      if (!pair.dropping) client.write(chunk)
    })
    const end = (): void => {
      pairs.delete(pair)
      client.destroy()
      server.destroy()
    }
    client.on('close', end).on('error', end)
    server.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const address = proxy.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port')
  const cut = (): void => {
    for (const p of [...pairs]) {
      p.client.destroy()
      p.server.destroy()
    }
  }
  return {
    port: address.port,
    blackhole() {
      for (const p of pairs) p.dropping = true
    },
    cut,
    async stop() {
      cut()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    },
  }
}
