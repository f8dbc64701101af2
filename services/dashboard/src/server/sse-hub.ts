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
 * The hub also says whether some page is still flushing what it was written (a frame or its snapshot
 * handed to Node but not yet to the kernel), and when none is: server/frame-pacer holds frames back
 * meanwhile, as an outbound hop's `busy` and `sendable()` hold back the mesh's batches (issue 16).
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
  /**
   * Consecutive frames a page may miss before it is disconnected. Default 600: a minute at 100 ms, and a
   * page that misses frames is busy, so frames go out at most every `frameMs` meanwhile.
   */
  readonly dropAfterSkipped?: number
}

/** The connected pages. */
export interface SseHub {
  /** Takes a response as an event stream that starts with the snapshot, or answers 503 when full. */
  add(res: ServerResponse): void
  /** A new tick: the next page gets a fresh snapshot, and `frame` (if any) goes to every page. */
  tick(frame?: unknown): void
  /** Some page has a frame or its snapshot written but not yet flushed to its socket. */
  readonly busy: boolean
  /** Resolves when no page is busy (at once when none is, and at {@link SseHub.close}). */
  sendable(): Promise<void>
  /** The snapshot of this tick, as JSON (the one the pages of this tick get). */
  snapshotJson(): string
  readonly clients: number
  /** Frames sent to the pages connected at the time (cumulative). */
  readonly frames: number
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

/** A connected page. */
interface Page {
  skippedInRow: number
  /** Writes to it whose bytes are not yet flushed. */
  unflushed: number
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
  /** Each page, with the frames it missed in a row and its writes not yet flushed. */
  const clients = new Map<ServerResponse, Page>()
  const dropAfterSkipped = options.dropAfterSkipped ?? 600
  const snapshotBudget = Math.floor(backlogBytes / 2) - EVENT_OVERHEAD - RETRY.length
  let id = 0
  let skipped = 0
  let refused = 0
  let dropped = 0
  let snapshots = 0
  let json: string | undefined
  let opening: Buffer | undefined
  /** Pages with `unflushed` > 0, and who waits for there to be none. */
  let busyPages = 0
  let waiting: (() => void)[] = []
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

  function settle(page: Page): void {
    if (page.unflushed === 0) return
    page.unflushed = 0
    if (--busyPages === 0) wake()
  }

  function wake(): void {
    const woken = waiting
    waiting = []
    for (const resolve of woken) resolve()
  }

  // The callback runs once Node has handed the bytes to the socket [Node `writable.write` callback];
  // a page that closes first is settled by `forget`.
  function send(res: ServerResponse, page: Page, bytes: Buffer): void {
    if (page.unflushed++ === 0) busyPages++
    res.write(bytes, () => {
      if (page.unflushed > 0 && --page.unflushed === 0 && --busyPages === 0) wake()
    })
  }

  function forget(res: ServerResponse): void {
    const page = clients.get(res)
    if (page === undefined) return
    clients.delete(res)
    settle(page)
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
      const page = { skippedInRow: 0, unflushed: 0 }
      clients.set(res, page)
      send(res, page, opening)
      res.on('close', () => {
        forget(res)
      })
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
          send(res, page, bytes)
          continue
        }
        skipped++
        if (++page.skippedInRow >= dropAfterSkipped) {
          dropped++
          forget(res)
          res.destroy()
        }
      }
    },
    snapshotJson,
    get busy() {
      return busyPages > 0
    },
    sendable() {
      return busyPages === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))
    },
    get clients() {
      return clients.size
    },
    get frames() {
      return id
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
      busyPages = 0
      wake()
    },
  }
}
