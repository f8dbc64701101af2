/**
 * @module server/http-server
 * The dashboard's HTTP server, on `node:http` alone: the page and its bundle from `publicDir`, the live
 * event stream at `/events` (SSE), the rate control at `POST /api/rate`, and `/api/state` (the snapshot as
 * JSON, for scripts and tests). Only a fixed list of files is served, so no path from a request ever
 * reaches the file system.
 */
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { listenRefusalReason } from '@sluice/mesh'
import { DashboardListenError } from '../errors.js'
import { isAuthorised, isSameOrigin, type Credentials } from './access.js'

/** Served files: URL path → file name in `publicDir` and content type. */
const STATIC_FILES: Readonly<Record<string, readonly [string, string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.js.map': ['app.js.map', 'application/json'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
}

/** Largest request body accepted (a rate command is ~30 bytes). */
const MAX_BODY_BYTES = 4096

/** What a route handler answers. */
export interface ApiAnswer {
  readonly status: number
  readonly body: unknown
}

/** Dependencies of {@link createHttpServer}. */
export interface HttpServerDeps {
  readonly host: string
  readonly port: number
  readonly publicDir: string
  readonly credentials?: Credentials | undefined
  /** Takes a request for `/events` (the SSE hub). */
  onEvents(res: ServerResponse): void
  /** Handles a parsed JSON body of `POST /api/rate`. */
  onRate(body: unknown): ApiAnswer
  /** The body of `GET /api/state`, as JSON. */
  state(): string
}

/** The running server. */
export interface DashboardHttpServer {
  /** Listens; resolves with the page's URL. */
  listen(): Promise<string>
  close(): Promise<void>
}

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(text)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body))
}

/** The body as text, or `undefined` when it is over {@link MAX_BODY_BYTES} (the rest is discarded). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (c: Buffer): void => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        // Not req.destroy(): that resets the socket before the 413 can be sent. The answer closes the
        // connection instead, and what is still arriving is read and dropped, never kept.
        req.off('data', onData)
        req.resume()
        resolve(undefined)
        return
      }
      chunks.push(c)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * Creates the HTTP server (call `listen()`).
 *
 * @example
 * ```ts
 * const http = createHttpServer({ host: '127.0.0.1', port: 0, publicDir, onEvents, onRate, state })
 * const url = await http.listen() // 'http://127.0.0.1:41234/'
 * ```
 */
export function createHttpServer(deps: HttpServerDeps): DashboardHttpServer {
  async function serveFile(res: ServerResponse, file: string, type: string): Promise<void> {
    try {
      const body = await readFile(join(deps.publicDir, file))
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' })
      res.end(body)
    } catch {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(
        `The dashboard page is not built (${file} is missing in ${deps.publicDir}). ` +
          'Run: pnpm --filter @sluice/dashboard build\n',
      )
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAuthorised(req, deps.credentials)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="sluice", charset="UTF-8"' })
      res.end()
      return
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (req.method === 'GET' || req.method === 'HEAD') {
      const file = STATIC_FILES[path]
      if (file !== undefined) return serveFile(res, file[0], file[1])
      if (path === '/events') return deps.onEvents(res)
      if (path === '/api/state') return sendJsonText(res, 200, deps.state())
      if (path === '/healthz') return sendJson(res, 200, { ok: true })
    }
    if (req.method === 'POST' && path === '/api/rate') {
      if (!isSameOrigin(req)) return sendJson(res, 403, { error: 'cross-origin request refused' })
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return sendJson(res, 415, { error: 'send application/json' })
      const text = await readBody(req)
      if (text === undefined) {
        res.setHeader('connection', 'close')
        return sendJson(res, 413, { error: 'body too large' })
      }
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        return sendJson(res, 400, { error: 'body is not JSON' })
      }
      const answer = deps.onRate(body)
      return sendJson(res, answer.status, answer.body)
    }
    sendJson(res, 404, { error: `no such resource: ${req.method ?? '?'} ${path}` })
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
      else res.end()
    })
  })

  return {
    listen() {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => {
          reject(
            new DashboardListenError(
              `The dashboard could not listen on ${deps.host}:${deps.port} (${listenRefusalReason(err)}): ` +
                (err.code === 'EADDRINUSE'
                  ? 'another program uses that port; pick another with --port (0 = any free port).'
                  : 'is the address one of this machine\u2019s? Try --host 127.0.0.1.'),
              { cause: err },
            ),
          )
        }
        server.once('error', onError)
        server.listen(deps.port, deps.host, () => {
          server.off('error', onError)
          const { port } = server.address() as AddressInfo
          const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host
          resolve(`http://${host}:${port}/`)
        })
      })
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
