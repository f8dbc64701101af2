/**
 * @module listeners/ws
 * The MQTT-over-WebSocket listener (for the browser dashboard), on path `/mqtt`, over HTTP or HTTPS.
 * Each WebSocket becomes a Node duplex stream (`createWebSocketStream`) that Aedes treats like a socket,
 * so backpressure and the subscriber outbox work the same as over TCP.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { WebSocketServer, createWebSocketStream } from 'ws'
import type { TlsMaterial } from './tcp.js'

/** The path the WebSocket listener serves. */
export const WS_PATH = '/mqtt'

/** A WebSocket listener: the HTTP(S) server to listen on, and the WebSocket server to close. */
export interface WsListener {
  readonly server: Server
  readonly wss: WebSocketServer
}

/** Creates the WebSocket listener; `accept` receives every new connection as a duplex stream. */
export function createWsListener(
  accept: (stream: Duplex, req: IncomingMessage) => void,
  options: { tls: TlsMaterial | undefined; maxPacketBytes: number; connectTimeoutMs: number },
): WsListener {
  // An HTTP connection that never sends its upgrade request is closed after the CONNECT deadline too
  // (Node's default headersTimeout is 60 s), and so is a TLS handshake that does not finish.
  const http = {
    headersTimeout: options.connectTimeoutMs,
    requestTimeout: options.connectTimeoutMs,
  }
  const server: Server =
    options.tls !== undefined
      ? createHttpsServer({
          ...http,
          key: options.tls.key,
          cert: options.tls.cert,
          handshakeTimeout: options.connectTimeoutMs,
        })
      : createHttpServer(http)
  const wss = new WebSocketServer({
    server,
    path: WS_PATH,
    // one MQTT packet per WebSocket message at most, with room for its fixed header (≤ 5 bytes)
    maxPayload: options.maxPacketBytes + 5,
  })
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws)
    // errors surface through Aedes' client (which listens on the stream); this keeps an early one quiet
    stream.on('error', () => undefined)
    accept(stream, req)
  })
  return { server, wss }
}
