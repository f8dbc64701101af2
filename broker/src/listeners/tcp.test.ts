import { connect, Socket, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTcpListener } from './tcp.js'

describe('createTcpListener', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("turns Nagle's algorithm off on every accepted socket, and writes once per turn, before Aedes gets it", async () => {
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay')
    const accepted: Socket[] = []
    const server = createTcpListener((s) => accepted.push(s), undefined, 1000)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
    await once(client, 'connect')
    await vi.waitFor(() => expect(accepted).toHaveLength(1))
    expect(noDelay.mock.contexts).toContain(accepted[0])
    expect(noDelay).toHaveBeenCalledWith(true)
    // What a turn writes waits, corked, for the turn's end (writeOncePerTurn).
    accepted[0]!.write('x')
    expect(accepted[0]!.writableCorked).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(accepted[0]!.writableCorked).toBe(0)
    client.destroy()
    for (const s of accepted) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
})
