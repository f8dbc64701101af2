/**
 * @module listeners/listen
 * Starting a server on a host and port, with the one failure people hit most turned into a clear
 * message: a port already in use, almost always by another MQTT broker (DESIGN.md §11 and the issue's
 * "port 1883 is in use" text).
 */
import type { Server } from 'node:net'
import { listenRefusalReason } from '@sluice/mesh'
import { ListenFailedError, PortInUseError } from '../errors.js'

/** Listens and resolves with the bound port (useful with port 0). */
export function listen(server: Server, host: string, port: number, what: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(host, port, { cause: err }))
      else {
        const advice = err.code === 'EACCES' ? '; choose another port' : ''
        reject(
          new ListenFailedError(
            `${what} cannot listen on ${host}:${port}: ${listenRefusalReason(err)}${advice}`,
            { cause: err },
          ),
        )
      }
    }
    const onListening = () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

/** Closes a server and resolves when it has closed (a server that is not listening is fine). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
}

/** True for the loopback addresses (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
