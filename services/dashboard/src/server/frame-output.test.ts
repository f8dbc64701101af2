import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Frame } from '../protocol.js'
import { createFrameOutput, type FrameOutput } from './frame-output.js'

const turns = async (n: number) => {
  for (let k = 0; k < n; k++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** A hub with `clients` pages that flush at once, and a live state that counts its cuts. */
function fakes(clients: number) {
  const ticks: unknown[] = []
  let cuts = 0
  const hub = {
    clients,
    busy: false,
    sendable: () => Promise.resolve(),
    tick: (frame?: unknown) => ticks.push(frame),
  }
  const live = {
    takeFrame: (now: number): Frame => {
      cuts++
      return { t: now, raw: {}, windows: [], anomalies: [], services: [], decimated: 0 }
    },
  }
  return { hub, live, ticks, cuts: () => cuts }
}

describe('frame output', () => {
  let output: FrameOutput | undefined
  beforeEach(() => {
    vi.useFakeTimers({
      now: 1_000_000,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    })
  })
  afterEach(() => {
    output?.stop()
    vi.useRealTimers()
  })

  it('cuts no frame per sample with no page connected, only a sweep a second or before a snapshot', async () => {
    const f = fakes(0)
    output = createFrameOutput({ framePacing: 'adaptive', frameMs: 100 }, { ...f, now: Date.now })
    output.start()
    for (let k = 0; k < 10_000; k++) output.dataArrived()
    await turns(3)
    await vi.advanceTimersByTimeAsync(999)
    expect(f.cuts()).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(f.cuts()).toBe(1) // the sweep: what arrived is dropped, with the cached snapshot
    await vi.advanceTimersByTimeAsync(5000)
    expect(f.cuts()).toBe(1) // nothing new arrived
    output.dataArrived()
    output.beforeSnapshot()
    expect(f.cuts()).toBe(2)
  })

  it('sends a frame soon after data arrives while a page is connected', async () => {
    const f = fakes(1)
    output = createFrameOutput({ framePacing: 'adaptive', frameMs: 100 }, { ...f, now: Date.now })
    output.start()
    output.dataArrived()
    await turns(3)
    expect(f.ticks).toHaveLength(1)
    expect(f.ticks[0]).toMatchObject({ t: 1_000_000 })
    output.beforeSnapshot() // a page connected already: nothing to sweep
    expect(f.cuts()).toBe(1)
  })

  it('with fixed pacing, cuts a frame every frameMs, pages or not, as before issue 16', async () => {
    const f = fakes(0)
    output = createFrameOutput({ framePacing: 'fixed', frameMs: 100 }, { ...f, now: Date.now })
    output.start()
    await vi.advanceTimersByTimeAsync(1000)
    expect(f.cuts()).toBe(10)
  })
})
