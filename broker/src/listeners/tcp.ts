/**
 * @module listeners/tcp
 * The MQTT listener over TCP, or over TLS when a key and certificate are given (DESIGN.md §11: TLS is
 * available on every listener). Each accepted socket first passes the connection gate (the connection
 * limit), then goes to Aedes.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'

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
  if (tls !== undefined) {
    return createTlsServer(
      { key: tls.key, cert: tls.cert, handshakeTimeout: handshakeTimeoutMs },
      accept,
    )
  }
  return createTcpServer(accept)
}
