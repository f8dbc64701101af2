/**
 * @module aedes
 * A stock Aedes broker in-process, for tests that need an MQTT broker and nothing of Sluice's own: on a
 * port the OS picks on 127.0.0.1, no authentication, no persistence beyond memory. It is not the Sluice
 * broker (`startBroker({ port: 0 })` of `@sluice/broker`, with its ACL, limits and metrics), which testkit
 * cannot depend on (broker → mesh → testkit would be a build cycle). `stop()` closes the clients' sockets
 * too, so a test's hooks finish at once.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { Aedes } from 'aedes'

/** A running in-process Aedes. */
export interface RunningAedes {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly port: number
  /** Closes the broker, every client socket and the listener. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts stock Aedes on a free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const broker = await startAedes()
 * const client = await mqtt.connectAsync(broker.url)
 * afterAll(() => broker.stop())
 * ```
 */
export async function startAedes(): Promise<RunningAedes> {
  const aedes = await Aedes.createBroker()
  const server: Server = createServer(aedes.handle)
  const sockets = new Set<Socket>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  let stopped: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    stop: () => (stopped ??= stop()),
  }
}
