/**
 * @module listeners/tcp
 * The MQTT listener over TCP, or over TLS when a key and certificate are given (DESIGN.md §11: TLS is
 * available on every listener). Each accepted socket first passes the connection gate (the connection
 * limit), then goes to Aedes, with Nagle's algorithm off and what a turn of the event loop writes to it sent
 * in one system call (`writeOncePerTurn` in @sluice/mesh).
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { writeOncePerTurn } from '@sluice/mesh'

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
  // Nagle's algorithm (RFC 896) off on every accepted socket (TCP_NODELAY): a small packet forwarded while
  // an earlier one is unacknowledged would otherwise wait for that ACK, which the subscriber may delay by
  // up to 40 ms; Aedes writes each packet whole. The services' client sockets do the same (issue 16).
  const acceptAtOnce = (socket: Socket): void => {
    socket.setNoDelay(true)
    writeOncePerTurn(socket)
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
