import { createServer, type AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { listenRefusalReason } from './listen-refusal.js'

/** The error of listening on `port` of `host`, or undefined if it listened. */
function refusal(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', resolve)
    s.listen(port, host, () => s.close(() => resolve(undefined)))
  })
}

describe('listenRefusalReason', () => {
  it('says in words why a taken port or a foreign address cannot be listened on', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as AddressInfo
    try {
      const taken = await refusal('127.0.0.1', port)
      expect(taken?.code).toBe('EADDRINUSE')
      expect(listenRefusalReason(taken!)).toBe('address already in use')
    } finally {
      holder.close()
    }
    // TEST-NET-1 (RFC 5737): never an address of this machine.
    const foreign = await refusal('192.0.2.1', 0)
    expect(listenRefusalReason(foreign!)).toBe('not an address of this machine')
  })

  it("keeps the system's message for an uncommon error", () => {
    const err = Object.assign(new Error('listen EINVAL: invalid argument'), { code: 'EINVAL' })
    expect(listenRefusalReason(err)).toBe('listen EINVAL: invalid argument')
  })
})
