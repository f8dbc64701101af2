import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '@sluice/mesh'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSinkHop, type SinkHopOptions } from './sink-hop.js'
import { SinkSendError, type ForwardItem, type Sink } from './sinks/sink.js'

/** A sink that records every call with the (fake) time, and fails as the test says. */
function fakeSink(
  fail: (call: number, records: readonly string[]) => Error | undefined = () => undefined,
) {
  const calls: { at: number; records: readonly string[] }[] = []
  const delivered: string[] = []
  let closed = false
  const sink: Sink = {
    name: 'fake',
    type: 'fake',
    encode: (item: ForwardItem) => [String(item.payload)],
    send(records) {
      calls.push({ at: Date.now(), records })
      const err = fail(calls.length, records)
      if (err) return Promise.reject(err)
      delivered.push(...records)
      return Promise.resolve()
    },
    close() {
      closed = true
      return Promise.resolve()
    },
  }
  return { sink, calls, delivered, closed: () => closed }
}

const item = (n: number): ForwardItem => ({
  kind: 'raw',
  topic: 'sluice/d/c/raw',
  payload: `p${n}`,
})

const dirs: string[] = []
function options(o: Partial<SinkHopOptions> = {}): SinkHopOptions {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-sink-hop-'))
  dirs.push(dir)
  return {
    spoolDir: dir,
    spoolMaxBytes: 1 << 20,
    batchSize: 10,
    lingerMs: 1000,
    ratePerSecond: 0,
    burst: 10,
    retryBaseMs: 100,
    retryMaxMs: 10_000,
    log: silentLogger,
    random: () => 1, // jitter at its ceiling, so backoff delays are exact
    ...o,
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('sink hop', () => {
  it('spools the items of one offer together, counting those the sink cannot encode', async () => {
    const f = fakeSink()
    const sink: Sink = {
      ...f.sink,
      encode: (i: ForwardItem) => {
        if (i.payload === 'p2') throw new Error('cannot encode p2')
        return [String(i.payload)]
      },
    }
    const hop = createSinkHop(sink, options({ batchSize: 100, lingerMs: 10 }))
    hop.offer([0, 1, 2, 3].map(item))
    expect(hop.spool.stats().pending).toBe(3)
    const m = hop.metrics()
    expect(m.in).toBe(3)
    expect(m.rejected).toBe(1)
    hop.start()
    await vi.advanceTimersByTimeAsync(50)
    expect(f.calls).toHaveLength(1)
    expect(f.delivered).toEqual(['p0', 'p1', 'p3'])
    await hop.stop()
  })

  it('sends a full batch as soon as it is full, without waiting for the linger', async () => {
    const f = fakeSink()
    const hop = createSinkHop(f.sink, options({ batchSize: 5, lingerMs: 60_000 }))
    hop.start()
    for (let i = 0; i < 5; i++) hop.offer([item(i)])
    await vi.advanceTimersByTimeAsync(1)
    expect(f.calls).toHaveLength(1)
    expect(f.calls[0]!.records).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'])
    await hop.stop()
  })

  it('holds a partial batch for lingerMs after its oldest record, then sends it', async () => {
    const f = fakeSink()
    const hop = createSinkHop(f.sink, options({ batchSize: 100, lingerMs: 1000 }))
    hop.start()
    hop.offer([item(0)])
    await vi.advanceTimersByTimeAsync(400)
    hop.offer([item(1)])
    await vi.advanceTimersByTimeAsync(590)
    expect(f.calls).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(20)
    expect(f.calls).toHaveLength(1)
    expect(f.calls[0]!.at - 1_000_000).toBe(1000)
    expect(f.calls[0]!.records).toEqual(['p0', 'p1'])
    await hop.stop()
  })

  it('never sends more than rate × t + burst points, in full batches up to the burst', async () => {
    const f = fakeSink()
    const hop = createSinkHop(
      f.sink,
      options({ batchSize: 20, lingerMs: 0, ratePerSecond: 50, burst: 20 }),
    )
    hop.start()
    for (let i = 0; i < 1000; i++) hop.offer([item(i)])
    const start = Date.now()
    await vi.advanceTimersByTimeAsync(10_000)
    const sent = f.delivered.length
    expect(sent).toBeLessThanOrEqual(50 * 10 + 20)
    expect(sent).toBeGreaterThanOrEqual(50 * 10 - 20)
    // Any 1 s window holds at most rate + burst points.
    for (const c of f.calls) {
      const inWindow = f.calls
        .filter((d) => d.at >= c.at && d.at < c.at + 1000)
        .reduce((a, d) => a + d.records.length, 0)
      expect(inWindow).toBeLessThanOrEqual(50 + 20)
    }
    expect(f.calls.every((c) => c.records.length === 20)).toBe(true)
    expect(f.delivered).toEqual(Array.from({ length: sent }, (_, i) => `p${i}`))
    expect(f.calls[0]!.at).toBe(start)
    await hop.stop()
  })

  it('retries with exponential backoff and delivers everything in order once the sink is back', async () => {
    const down = new SinkSendError('down', true)
    const f = fakeSink((call) => (call <= 4 ? down : undefined))
    const hop = createSinkHop(f.sink, options({ batchSize: 3, lingerMs: 0, retryBaseMs: 100 }))
    hop.start()
    for (let i = 0; i < 3; i++) hop.offer([item(i)])
    await vi.advanceTimersByTimeAsync(5000)
    const gaps = f.calls.slice(1).map((c, i) => c.at - f.calls[i]!.at)
    // random() = 1: the ceiling of each step, base × 2^(attempt−1).
    expect(gaps).toEqual([100, 200, 400, 800])
    expect(f.delivered).toEqual(['p0', 'p1', 'p2'])
    expect(hop.counters.retries).toBe(4)
    expect(hop.metrics().sink?.retries).toBe(4)
    await hop.stop()
  })

  it('caps the backoff at retryMaxMs', async () => {
    const f = fakeSink((call) => (call <= 8 ? new SinkSendError('down', true) : undefined))
    const hop = createSinkHop(
      f.sink,
      options({ batchSize: 1, lingerMs: 0, retryBaseMs: 100, retryMaxMs: 1000 }),
    )
    hop.start()
    hop.offer([item(0)])
    await vi.advanceTimersByTimeAsync(10_000)
    const gaps = f.calls.slice(1).map((c, i) => c.at - f.calls[i]!.at)
    expect(gaps).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000])
    await hop.stop()
  })

  it('waits at least Retry-After when the sink asks for longer than the backoff', async () => {
    const f = fakeSink((call) =>
      call === 1 ? new SinkSendError('429', true, 7000, 429) : undefined,
    )
    const hop = createSinkHop(f.sink, options({ batchSize: 1, lingerMs: 0, retryBaseMs: 100 }))
    hop.start()
    hop.offer([item(0)])
    await vi.advanceTimersByTimeAsync(6990)
    expect(f.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(20)
    expect(f.calls).toHaveLength(2)
    expect(f.calls[1]!.at - f.calls[0]!.at).toBe(7000)
    await hop.stop()
  })

  it('does not let new arrivals cut a backoff short', async () => {
    const f = fakeSink((call) => (call <= 2 ? new SinkSendError('down', true) : undefined))
    const hop = createSinkHop(f.sink, options({ batchSize: 2, lingerMs: 0, retryBaseMs: 1000 }))
    hop.start()
    hop.offer([item(0)])
    hop.offer([item(1)])
    await vi.advanceTimersByTimeAsync(1)
    expect(f.calls).toHaveLength(1)
    // Full batches keep arriving during the backoff: the sender must stay asleep.
    for (let i = 2; i < 40; i++) {
      hop.offer([item(i)])
      await vi.advanceTimersByTimeAsync(20)
    }
    expect(f.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(f.delivered.slice(0, 4)).toEqual(['p0', 'p1', 'p2', 'p3'])
    await hop.stop()
  })

  it('keeps the data and reports a clear error when the sink refuses it (non-retryable 4xx)', async () => {
    let accept = false
    const f = fakeSink(() =>
      accept
        ? undefined
        : new SinkSendError(
            'InfluxDB answered 401 Unauthorized: the credentials were refused',
            false,
            undefined,
            401,
          ),
    )
    const errors: string[] = []
    const log = {
      ...silentLogger,
      error: (_o: unknown, msg?: string) => void errors.push(msg ?? ''),
    }
    const hop = createSinkHop(
      f.sink,
      options({ batchSize: 5, lingerMs: 0, retryMaxMs: 30_000, log }),
    )
    hop.start()
    for (let i = 0; i < 5; i++) hop.offer([item(i)])
    await vi.advanceTimersByTimeAsync(60_000)
    // Not hammered: one try, then one every retryMaxMs.
    expect(f.calls.length).toBe(3)
    expect(hop.spool.stats().pending).toBe(5)
    const m = hop.metrics()
    expect(m.state).toBe('critical')
    expect(m.sink?.lastError).toContain('401')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/retrying cannot fix this; the data is kept in the spool/)
    accept = true
    await vi.advanceTimersByTimeAsync(30_000)
    expect(f.delivered).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'])
    expect(hop.spool.stats().pending).toBe(0)
    expect(hop.metrics().sink?.lastError).toBeUndefined()
    await hop.stop()
  })

  it('reports a spool it cannot read as critical and keeps running, instead of an unhandled rejection', async () => {
    const errors: string[] = []
    const log = {
      ...silentLogger,
      error: (_o: unknown, msg?: string) => void errors.push(msg ?? ''),
    }
    const o = options({ batchSize: 5, lingerMs: 0, retryMaxMs: 30_000, log })
    const f = fakeSink()
    const hop = createSinkHop(f.sink, o)
    for (let i = 0; i < 5; i++) hop.offer([item(i)])
    // The segment vanishes under the spool (removed by hand, or a disk gone bad).
    rmSync(join(o.spoolDir, '0000000000000001.seg'))
    hop.start()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(f.calls).toHaveLength(0)
    const m = hop.metrics()
    expect(m.state).toBe('critical')
    expect(m.sink?.lastError).toMatch(/cannot read the spool/)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/check the disk/)
    await hop.stop()
  })

  it('replays what a previous run spooled but never delivered, in order', async () => {
    const o = options({ batchSize: 100, lingerMs: 0 })
    const dead = fakeSink(() => new SinkSendError('down', true))
    const first = createSinkHop(dead.sink, o)
    for (let i = 0; i < 7; i++) first.offer([item(i)])
    await first.stop()
    expect(dead.closed()).toBe(true)
    const f = fakeSink()
    const second = createSinkHop(f.sink, o)
    second.start()
    await vi.advanceTimersByTimeAsync(10)
    expect(f.delivered).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'])
    await second.stop()
  })

  it('counts evictions at the spool cap in its metrics, and delivers the newest records', async () => {
    let up = false
    const f = fakeSink(() => (up ? undefined : new SinkSendError('down', true)))
    const hop = createSinkHop(
      f.sink,
      options({ batchSize: 1000, lingerMs: 0, spoolMaxBytes: 65_536 }),
    )
    const big = (n: number): ForwardItem => ({
      kind: 'raw',
      topic: 't',
      payload: `${n}:${'x'.repeat(200)}`,
    })
    hop.start()
    for (let i = 0; i < 2000; i++) hop.offer([big(i)])
    const m = hop.metrics()
    const evicted = m.sink?.evicted ?? 0
    expect(evicted).toBeGreaterThan(0)
    expect(m.dropped.evicted).toBe(evicted)
    expect(evicted + hop.spool.stats().pending).toBe(2000)
    expect(m.sink?.spoolBytes).toBeLessThanOrEqual(65_536)
    up = true
    await vi.advanceTimersByTimeAsync(60_000)
    expect(f.delivered.map((r) => Number(r.split(':')[0]))).toEqual(
      Array.from({ length: 2000 - evicted }, (_, i) => evicted + i),
    )
    await hop.stop()
  })

  it('never blocks offer on a send in progress', async () => {
    let release: (() => void) | undefined
    const sink: Sink = {
      name: 'slow',
      type: 'fake',
      encode: (it) => [String(it.payload)],
      send: () => new Promise<void>((r) => (release = r)),
      close: () => Promise.resolve(),
    }
    const hop = createSinkHop(sink, options({ batchSize: 1, lingerMs: 0 }))
    hop.start()
    hop.offer([item(0)])
    await vi.advanceTimersByTimeAsync(1)
    expect(release).toBeDefined()
    for (let i = 1; i <= 500; i++) hop.offer([item(i)])
    expect(hop.spool.stats().pending).toBe(501)
    release?.()
    await hop.stop()
  })

  it('stops within stopTimeoutMs when a send hangs, and replays that batch at the next start', async () => {
    const hung: Sink = {
      name: 'hung',
      type: 'fake',
      encode: (it) => [String(it.payload)],
      send: () => new Promise<void>(() => undefined),
      close: () => Promise.resolve(),
    }
    const o = options({ batchSize: 3, lingerMs: 0, stopTimeoutMs: 500 })
    const first = createSinkHop(hung, o)
    first.start()
    for (let i = 0; i < 3; i++) first.offer([item(i)])
    await vi.advanceTimersByTimeAsync(1)
    let stopped = false
    const stopping = first.stop().then(() => (stopped = true))
    await vi.advanceTimersByTimeAsync(499)
    expect(stopped).toBe(false)
    await vi.advanceTimersByTimeAsync(2)
    await stopping
    expect(stopped).toBe(true)
    const f = fakeSink()
    const second = createSinkHop(f.sink, o)
    second.start()
    await vi.advanceTimersByTimeAsync(10)
    expect(f.delivered).toEqual(['p0', 'p1', 'p2'])
    await second.stop()
  })

  it('counts a batch evicted during a failed send as evicted, and a delivered one as delivered', async () => {
    let rejectFirst: ((e: Error) => void) | undefined
    const delivered: string[] = []
    let calls = 0
    const sink: Sink = {
      name: 'flaky',
      type: 'fake',
      encode: (it) => [String(it.payload)],
      send(records) {
        calls++
        if (calls === 1) return new Promise<void>((_, reject) => (rejectFirst = reject))
        delivered.push(...records)
        return Promise.resolve()
      },
      close: () => Promise.resolve(),
    }
    const hop = createSinkHop(
      sink,
      options({ batchSize: 10, lingerMs: 0, spoolMaxBytes: 65_536, retryBaseMs: 10 }),
    )
    const big = (n: number): ForwardItem => ({
      kind: 'raw',
      topic: 't',
      payload: `${n}:${'x'.repeat(200)}`,
    })
    hop.start()
    for (let i = 0; i < 10; i++) hop.offer([big(i)])
    await vi.advanceTimersByTimeAsync(1)
    expect(rejectFirst).toBeDefined()
    for (let i = 10; i < 2000; i++) hop.offer([big(i)]) // evicts the segment the batch in flight came from
    const during = hop.spool.stats()
    expect(during.evicted + during.pending).toBe(2000)
    rejectFirst?.(new SinkSendError('down', true))
    await vi.advanceTimersByTimeAsync(60_000)
    const after = hop.spool.stats()
    expect(after.pending).toBe(0)
    expect(after.evicted + delivered.length).toBe(2000)
    expect(delivered.some((r) => r.startsWith('0:'))).toBe(false) // the failed batch was lost, and counted
    await hop.stop()
  })

  it('counts an item the sink cannot encode as rejected and goes on taking the next ones', async () => {
    const f = fakeSink()
    const picky: Sink = {
      ...f.sink,
      encode: (it) => {
        if (it.payload === 'p1') throw new Error('cannot encode')
        return it.payload === 'p2' ? [] : [String(it.payload)]
      },
    }
    const hop = createSinkHop(picky, options({ batchSize: 100, lingerMs: 0 }))
    hop.start()
    for (let i = 0; i < 4; i++) hop.offer([item(i)])
    await vi.advanceTimersByTimeAsync(10)
    expect(f.delivered).toEqual(['p0', 'p3'])
    const m = hop.metrics()
    expect(m.rejected).toBe(1) // p2 had nothing to write: not an error
    expect(m.in).toBe(2)
    await hop.stop()
  })
})
