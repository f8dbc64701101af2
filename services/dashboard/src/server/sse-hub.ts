/**
 * @module server/sse-hub
 * The browsers connected to the dashboard, over Server-Sent Events (the WHATWG HTML standard, §9.2).
 * Each frame is serialised once and written to every page. A page that falls behind (its socket buffer
 * over `backlogBytes`, e.g. a background tab or a slow link) misses frames, and they are counted, rather
 * than letting its buffer grow without limit (DESIGN.md §5); its charts then show a gap. A comment
 * line every 15 s keeps proxies from closing an idle stream.
 */
import type { ServerResponse } from 'node:http'

/** Options of {@link createSseHub}. */
export interface SseHubOptions {
  /** A page whose unsent bytes exceed this misses frames. */
  readonly backlogBytes: number
  /** Milliseconds between keep-alive comments. Default 15 000. */
  readonly keepAliveMs?: number
}

/** The connected pages. */
export interface SseHub {
  /** Takes a response as an event stream; `first` is written before anything else (the snapshot). */
  add(res: ServerResponse, first: { event: string; data: unknown }): void
  /** Sends one event to every page. */
  broadcast(event: string, data: unknown): void
  readonly clients: number
  /** Frames not sent to a page that was too far behind (cumulative). */
  readonly skipped: number
  /** Ends every stream. */
  close(): void
}

function format(event: string, id: number, data: unknown): string {
  // JSON has no raw newlines, so one `data:` line holds the whole payload [HTML §9.2.6].
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * Creates the hub.
 *
 * @example
 * ```ts
 * const hub = createSseHub({ backlogBytes: 4 << 20 })
 * hub.add(res, { event: 'snapshot', data: live.snapshot(config) })
 * hub.broadcast('frame', frame)
 * ```
 */
export function createSseHub(options: SseHubOptions): SseHub {
  const clients = new Set<ServerResponse>()
  let id = 0
  let skipped = 0
  const keepAlive = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n')
  }, options.keepAliveMs ?? 15_000)
  keepAlive.unref()

  return {
    add(res, first) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      // Reconnect after 1 s when the stream drops (the browser's EventSource does it by itself).
      res.write('retry: 1000\n\n')
      res.write(format(first.event, ++id, first.data))
      clients.add(res)
      res.on('close', () => clients.delete(res))
    },
    broadcast(event, data) {
      if (clients.size === 0) return
      const text = format(event, ++id, data)
      for (const res of clients) {
        if (res.writableLength > options.backlogBytes) {
          skipped++
          continue
        }
        res.write(text)
      }
    },
    get clients() {
      return clients.size
    },
    get skipped() {
      return skipped
    },
    close() {
      clearInterval(keepAlive)
      for (const res of clients) res.end()
      clients.clear()
    },
  }
}
