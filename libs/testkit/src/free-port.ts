/**
 * @module free-port
 * A free TCP port on 127.0.0.1, for outside programs that cannot listen on port 0 and report back. The
 * OS picks it (listen on port 0, read, close), so two parallel test files do not collide on a guess.
 */
import { createServer } from 'node:net'

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago.
 *
 * @example
 * ```ts
 * const port = await freePort()
 * spawn('mosquitto', ['-p', String(port)])
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close((err) => {
        if (err) reject(err)
        else resolve(port)
      })
    })
  })
}
