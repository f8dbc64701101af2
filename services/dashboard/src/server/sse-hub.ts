/**
 * @module server/sse-hub
 * The browsers connected to the dashboard, over Server-Sent Events (the WHATWG HTML standard, §9.2),
 * with memory bounded whatever the browsers do (DESIGN.md §5). Issue 11 measured what happens otherwise:
 * 520 sensors and ~140 browsers took the server from 229 MB to 6 GB and out of memory. So:
 *
 * - Every byte is serialised once and shared: each frame is one `Buffer` written to every page, and the
 *   snapshot a page starts from is built and serialised at most once per tick, however many pages
 *   connect during it (one `Buffer`, as every page queues the same one).
 * - At most `maxClients` pages; past that a page gets a 503 that says why, and it is counted.
 * - A page's unsent bytes never exceed `backlogBytes`, from the first byte: the snapshot is cut to half of
 *   it (the other half leaves room for the frames that follow), and a frame that would push a page past
 *   it is not sent to that page (counted; e.g. a stalled link); its charts show a gap. A page that missed
 *   every frame for `dropAfterSkipped` frames in a row is disconnected (counted), so that a dead peer does
 *   not hold its place and its backlog until TCP gives up; a live page's EventSource reconnects by itself.
 *
 * A comment line every 15 s keeps proxies from closing an idle stream.
 */
import type { ServerResponse } from 'node:http'

/** Options of {@link createSseHub}. */
export interface SseHubOptions {
  /** Most unsent bytes one page may hold; frames that would exceed it are not sent to it. */
  readonly backlogBytes: number
  /** Most pages connected at once. */
  readonly maxClients: number
  /**
   * The snapshot a page starts from, as JSON of at most `maxBytes` UTF-8 bytes. Called at most once per
   * tick, when the first page of that tick connects (or `/api/state` asks).
   */
  snapshot(maxBytes: number): string
  /** Called when a page is refused because `maxClients` are connected. */
  onRefused?(clients: number): void
  /** Called when one frame alone is larger than `backlogBytes`, so that no page can get it. */
  onOversized?(bytes: number): void
  /** Milliseconds between keep-alive comments. Default 15 000. */
  readonly keepAliveMs?: number
  /** Consecutive frames a page may miss before it is disconnected. Default 600 (a minute at 100 ms). */
  readonly dropAfterSkipped?: number
}

/** The connected pages. */
export interface SseHub {
  /** Takes a response as an event stream that starts with the snapshot, or answers 503 when full. */
  add(res: ServerResponse): void
  /** A new tick: the next page gets a fresh snapshot, and `frame` (if any) goes to every page. */
  tick(frame?: unknown): void
  /** The snapshot of this tick, as JSON (the one the pages of this tick get). */
  snapshotJson(): string
  readonly clients: number
  /** Frames not sent to a page that was too far behind (cumulative). */
  readonly skipped: number
  /** Pages refused because `maxClients` were connected (cumulative). */
  readonly refused: number
  /** Pages disconnected after missing `dropAfterSkipped` frames in a row (cumulative). */
  readonly dropped: number
  /** Snapshots built (at most one per tick). */
  readonly snapshots: number
  /** Ends every stream. */
  close(): void
}

/** Bytes of an event around its data: `event: snapshot\nid: <n>\ndata: ` and `\n\n`, with room to spare. */
const EVENT_OVERHEAD = 64
/** The stream's first line: reconnect after 1 s when the stream drops (EventSource does it by itself). */
const RETRY = 'retry: 1000\n\n'

function eventBytes(event: string, id: number, json: string, before = ''): Buffer {
  // JSON has no raw newlines, so one `data:` line holds the whole payload [HTML §9.2.6].
  return Buffer.from(`${before}event: ${event}\nid: ${id}\ndata: ${json}\n\n`)
}

/**
 * Creates the hub.
 *
 * @example
 * ```ts
 * const hub = createSseHub({ backlogBytes: 4 << 20, maxClients: 100, snapshot: (max) => encode(live, max) })
 * hub.add(res)
 * hub.tick(live.takeFrame(Date.now()))
 * ```
 */
export function createSseHub(options: SseHubOptions): SseHub {
  const { backlogBytes, maxClients } = options
  /** Each page, with the frames it missed in a row. */
  const clients = new Map<ServerResponse, { skippedInRow: number }>()
  const dropAfterSkipped = options.dropAfterSkipped ?? 600
  const snapshotBudget = Math.floor(backlogBytes / 2) - EVENT_OVERHEAD - RETRY.length
  let id = 0
  let skipped = 0
  let refused = 0
  let dropped = 0
  let snapshots = 0
  let json: string | undefined
  let opening: Buffer | undefined
  const keepAlive = setInterval(() => {
    // A page with bytes still queued is not idle: the comment would only add to its backlog.
    for (const res of clients.keys()) if (res.writableLength === 0) res.write(': keep-alive\n\n')
  }, options.keepAliveMs ?? 15_000)
  keepAlive.unref()

  function snapshotJson(): string {
    if (json === undefined) {
      json = options.snapshot(snapshotBudget)
      snapshots++
    }
    return json
  }

  function refuse(res: ServerResponse): void {
    refused++
    options.onRefused?.(clients.size)
    const text =
      `The dashboard already serves ${clients.size} pages, its limit (maxClients). ` +
      'Close a tab that shows it, or restart it with a higher --maxClients.\n'
    res.writeHead(503, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'retry-after': '10',
    })
    res.end(text)
  }

  return {
    add(res) {
      if (clients.size >= maxClients) {
        refuse(res)
        return
      }
      opening ??= eventBytes('snapshot', id, snapshotJson(), RETRY)
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      res.write(opening)
      clients.set(res, { skippedInRow: 0 })
      res.on('close', () => clients.delete(res))
    },
    tick(frame) {
      json = undefined
      opening = undefined
      if (frame === undefined || clients.size === 0) return
      const bytes = eventBytes('frame', ++id, JSON.stringify(frame))
      if (bytes.length > backlogBytes) options.onOversized?.(bytes.length)
      for (const [res, page] of clients) {
        if (res.writableLength + bytes.length <= backlogBytes) {
          page.skippedInRow = 0
          res.write(bytes)
          continue
        }
        skipped++
        if (++page.skippedInRow >= dropAfterSkipped) {
          dropped++
          clients.delete(res)
          res.destroy()
        }
      }
    },
    snapshotJson,
    get clients() {
      return clients.size
    },
    get skipped() {
      return skipped
    },
    get refused() {
      return refused
    },
    get dropped() {
      return dropped
    },
    get snapshots() {
      return snapshots
    },
    close() {
      clearInterval(keepAlive)
      for (const res of clients.keys()) res.end()
      clients.clear()
    },
  }
}
