/**
 * @module free-port
 * A free TCP port on 127.0.0.1, for outside programs that cannot listen on port 0 and report back. The
 * OS picks it (listen on port 0, read, close), so two parallel test files do not collide on a guess.
 */
import { createServer, type Server } from 'node:net'

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago.
 *
 * @example
 * ```ts
 * const port = await freePort()
 * spawn('mosquitto', ['-p', String(port)])
 * ```
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port!
}

/** Listens on a port the OS picks; resolves with the server and its port. */
function listenAnywhere(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 })
    })
  })
}

/**
 * Returns `count` distinct TCP ports on 127.0.0.1 that were free a moment ago, for a program that needs
 * several (a client, a monitoring and a cluster port). They are held open together until all are
 * picked: one at a time, the OS may hand the port it just released out again.
 *
 * @example
 * ```ts
 * const [client, monitor] = await freePorts(2)
 * ```
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = []
  try {
    const ports: number[] = []
    for (let i = 0; i < count; i++) {
      const { server, port } = await listenAnywhere()
      held.push(server)
      ports.push(port)
    }
    return ports
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}
