/**
 * @module listeners/tcp
 * The MQTT listener over TCP, or over TLS when a key and certificate are given (DESIGN.md §11: TLS is
 * available on every listener). Each accepted socket first passes the connection gate (the connection
 * limit), then goes to Aedes, set up as every MQTT socket is (`sendPacketsPromptly` in @sluice/mesh: Nagle's
 * algorithm off, and what a turn of the event loop writes to it sent in one system call).
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { sendPacketsPromptly } from '@sluice/mesh'

/** Key and certificate, already read. */
export interface TlsMaterial {
  readonly key: Buffer
  readonly cert: Buffer
}

/**
 * Creates the TCP (or TLS) server; `accept` receives every new socket (after the TLS handshake, which
 * must finish within `handshakeTimeoutMs`: Node's default of 120 s would let idle sockets linger).
 */
export function createTcpListener(
  accept: (socket: Socket) => void,
  tls: TlsMaterial | undefined,
  handshakeTimeoutMs: number,
): Server {
  const acceptAtOnce = (socket: Socket): void => {
    sendPacketsPromptly(socket)
    accept(socket)
  }
  if (tls !== undefined) {
    return createTlsServer(
      { key: tls.key, cert: tls.cert, handshakeTimeout: handshakeTimeoutMs },
      acceptAtOnce,
    )
  }
  return createTcpServer(acceptAtOnce)
}
