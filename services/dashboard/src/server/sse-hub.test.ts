import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { createSseHub, type SseHub, type SseHubOptions } from './sse-hub.js'

/** A response whose socket sends nothing until `drain()`: what a tab that stopped reading looks like. */
class StalledResponse extends EventEmitter {
  status = 0
  headers: Record<string, string> = {}
  readonly chunks: (Buffer | string)[] = []
  ended = false
  writableLength = 0
  writeHead(status: number, headers: Record<string, string>): this {
    this.status = status
    this.headers = headers
    return this
  }
  private flushed: (() => void)[] = []
  write(chunk: Buffer | string, cb?: () => void): boolean {
    this.chunks.push(chunk)
    this.writableLength += Buffer.byteLength(chunk)
    if (cb !== undefined) this.flushed.push(cb)
    return true
  }
  destroyed = false
  destroy(): this {
    this.destroyed = true
    this.emit('close')
    return this
  }
  end(chunk?: string): this {
    if (chunk !== undefined) this.chunks.push(chunk)
    this.ended = true
    return this
  }
  drain(): void {
    this.writableLength = 0
    for (const cb of this.flushed.splice(0)) cb()
  }
  text(): string {
    return this.chunks.map((c) => c.toString()).join('')
  }
}

const asRes = (r: StalledResponse) => r as unknown as ServerResponse

describe('SSE hub', () => {
  let hub: SseHub | undefined
  afterEach(() => hub?.close())

  function make(over: Partial<SseHubOptions> = {}) {
    const asked: number[] = []
    let n = 0
    hub = createSseHub({
      backlogBytes: 64 * 1024,
      maxClients: 100,
      snapshot: (max) => {
        asked.push(max)
        return JSON.stringify({ n: ++n })
      },
      ...over,
    })
    return { hub, asked }
  }

  it('builds the snapshot once per tick and writes the same bytes to every page of that tick', () => {
    const { hub, asked } = make()
    const pages = Array.from({ length: 20 }, () => new StalledResponse())
    for (const p of pages) hub.add(asRes(p))
    expect(asked.length).toBe(1)
    expect(hub.snapshots).toBe(1)
    const first = pages[0]!.chunks[0]
    expect(Buffer.isBuffer(first)).toBe(true)
    for (const p of pages) expect(p.chunks).toEqual([first])
    expect(pages[0]!.text()).toMatch(/^retry: 1000\n\nevent: snapshot\nid: 0\ndata: \{"n":1\}\n\n$/)

    hub.tick()
    const late = new StalledResponse()
    hub.add(asRes(late))
    expect(hub.snapshots).toBe(2)
    expect(late.text()).toContain('data: {"n":2}')
  })

  it('serialises each frame once, as one Buffer shared by every page', () => {
    const { hub } = make()
    const pages = [new StalledResponse(), new StalledResponse()]
    for (const p of pages) hub.add(asRes(p))
    hub.tick({ t: 5 })
    const [a, b] = pages.map((p) => p.chunks[1])
    expect(Buffer.isBuffer(a)).toBe(true)
    expect(a).toBe(b)
    expect(a!.toString()).toBe('event: frame\nid: 1\ndata: {"t":5}\n\n')
  })

  it('refuses pages past maxClients with a 503 that says why, and counts them', () => {
    const refusedAt: number[] = []
    const { hub } = make({ maxClients: 2, onRefused: (n) => refusedAt.push(n) })
    const pages = [new StalledResponse(), new StalledResponse(), new StalledResponse()]
    for (const p of pages) hub.add(asRes(p))
    expect(pages.map((p) => p.status)).toEqual([200, 200, 503])
    expect(pages[2]!.ended).toBe(true)
    expect(pages[2]!.text()).toMatch(/already serves 2 pages, its limit \(maxClients\)/)
    expect(hub.clients).toBe(2)
    expect(hub.refused).toBe(1)
    expect(refusedAt).toEqual([2])
    // A page that leaves frees its place.
    pages[0]!.emit('close')
    const next = new StalledResponse()
    hub.add(asRes(next))
    expect(next.status).toBe(200)
  })

  it('keeps every page within the backlog limit from the first byte, counting frames it misses', () => {
    const backlogBytes = 64 * 1024
    const { hub, asked } = make({ backlogBytes })
    // The snapshot may take at most half of the backlog, the stream's opening lines included.
    expect(asked).toEqual([])
    const stalled = new StalledResponse()
    const reading = new StalledResponse()
    hub.add(asRes(stalled))
    hub.add(asRes(reading))
    expect(asked[0]! + 64 + 'retry: 1000\n\n'.length).toBeLessThanOrEqual(backlogBytes / 2)
    const frame = { pad: 'x'.repeat(10_000) }
    for (let k = 0; k < 20; k++) {
      hub.tick(frame)
      expect(stalled.writableLength).toBeLessThanOrEqual(backlogBytes)
      reading.drain()
    }
    const sentToStalled = stalled.chunks.length - 1
    const frameBytes = Buffer.byteLength(reading.chunks.at(-1)!)
    // Filled as far as the limit allows, and no further.
    expect(sentToStalled).toBeGreaterThan(0)
    expect(stalled.writableLength + frameBytes).toBeGreaterThan(backlogBytes)
    expect(reading.chunks.length - 1).toBe(20)
    expect(hub.skipped).toBe(20 - sentToStalled)
  })

  it('disconnects a page that missed dropAfterSkipped frames in a row, and counts it', () => {
    const { hub } = make({ backlogBytes: 65_536, dropAfterSkipped: 4 })
    const stalled = new StalledResponse()
    const slow = new StalledResponse()
    hub.add(asRes(stalled))
    hub.add(asRes(slow))
    const frame = { pad: 'x'.repeat(40_000) }
    hub.tick(frame) // both take it
    hub.tick(frame) // neither has room: each missed one
    hub.tick(frame) // two in a row
    slow.drain()
    hub.tick(frame) // the slow page takes it, and its count starts again; the stalled one: three
    expect(stalled.destroyed).toBe(false)
    hub.tick(frame) // the stalled page's fourth in a row; the slow page's first
    expect(stalled.destroyed).toBe(true)
    expect(slow.destroyed).toBe(false)
    expect(hub.clients).toBe(1)
    expect(hub.dropped).toBe(1)
  })

  it('is busy while some page has not flushed its snapshot or a frame, and says when none has', async () => {
    const { hub } = make()
    expect(hub.busy).toBe(false)
    await hub.sendable() // at once
    const a = new StalledResponse()
    const b = new StalledResponse()
    hub.add(asRes(a))
    hub.add(asRes(b))
    expect(hub.busy).toBe(true)
    a.drain()
    b.drain()
    expect(hub.busy).toBe(false)

    hub.tick({ t: 1 })
    expect(hub.busy).toBe(true)
    let woken = false
    const waiting = hub.sendable().then(() => (woken = true))
    a.drain()
    await Promise.resolve()
    expect(hub.busy).toBe(true) // b still holds the frame
    expect(woken).toBe(false)
    b.emit('close') // a page that leaves no longer holds the others back
    await waiting
    expect(hub.busy).toBe(false)
    expect(woken).toBe(true)
  })

  it('says so when one frame alone is larger than the backlog limit, which no page can get', () => {
    const oversized: number[] = []
    const { hub } = make({ backlogBytes: 65_536, onOversized: (n) => oversized.push(n) })
    const page = new StalledResponse()
    hub.add(asRes(page))
    hub.tick({ pad: 'x'.repeat(70_000) })
    expect(page.chunks.length).toBe(1)
    expect(hub.skipped).toBe(1)
    expect(oversized.length).toBe(1)
    expect(oversized[0]).toBeGreaterThan(70_000)
  })
})
