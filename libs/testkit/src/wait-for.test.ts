import { createServer, type Server } from 'node:net'
import { describe, expect, it } from 'vitest'
import { WaitTimeoutError } from './errors.js'
import { freePort, freePorts } from './free-port.js'
import { waitFor } from './wait-for.js'

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0
    await expect(waitFor(() => (++n >= 3 ? n : 0), { interval: 1 })).resolves.toBe(3)
  })

  it('fails with the caller message and the last error when time runs out', async () => {
    const err = await waitFor(
      () => {
        throw new Error('not yet')
      },
      { timeout: 30, interval: 5, message: 'the broker' },
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WaitTimeoutError)
    expect((err as WaitTimeoutError).message).toBe(
      'Timed out after 30 ms waiting for the broker (last error: not yet).',
    )
    expect((err as WaitTimeoutError).code).toBe('SLUICE_ERR_TESTKIT_WAIT_TIMEOUT')
  })

  it('says where things stood at the timeout when the message is a function', async () => {
    let n = 0
    const err = await waitFor(() => ++n > 1e9, {
      timeout: 30,
      interval: 5,
      message: () => `n to pass 1e9 (at ${String(n > 1 ? 'many' : n)})`,
    }).catch((e: unknown) => e)
    expect((err as WaitTimeoutError).message).toBe(
      'Timed out after 30 ms waiting for n to pass 1e9 (at many).',
    )
  })
})

describe('freePort', () => {
  it('returns a usable port number', async () => {
    const port = await freePort()
    expect(port).toBeGreaterThan(0)
    expect(port).toBeLessThan(65536)
  })

  it('returns distinct ports that can all be listened on at once', async () => {
    const ports = await freePorts(40)
    expect(new Set(ports).size).toBe(40)
    const servers = await Promise.all(
      ports.map(
        (port) =>
          new Promise<Server>((resolve, reject) => {
            const s = createServer()
            s.once('error', reject)
            s.listen(port, '127.0.0.1', () => resolve(s))
          }),
      ),
    )
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  })
})
