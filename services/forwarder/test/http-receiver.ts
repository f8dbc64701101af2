/**
 * @module test/http-receiver
 * A local HTTP server on 127.0.0.1 and port 0 that records every request (method, URL, headers, body,
 * arrival time) and answers with what the test says, for checking the shape of what sinks send.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One recorded request. */
export interface ReceivedRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly at: number
}

/** What to answer: a status and optional headers and body. */
export interface Answer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
}

/** A running receiver. */
export interface HttpReceiver {
  readonly url: string
  readonly port: number
  readonly requests: ReceivedRequest[]
  /** Decides the answer for each request (default 204). */
  answer: (req: ReceivedRequest) => Answer
  close(): Promise<void>
}

/** Starts a receiver on `port` (0 = any free port). */
export async function startHttpReceiver(port = 0): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = []
  const receiver: { answer: (req: ReceivedRequest) => Answer } = { answer: () => ({ status: 204 }) }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      }
      requests.push(r)
      const a = receiver.answer(r)
      res.writeHead(a.status, a.headers)
      res.end(a.body)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    requests,
    get answer() {
      return receiver.answer
    },
    set answer(fn) {
      receiver.answer = fn
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
