import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFramePacer, type FrameLink, type FramePacer } from './frame-pacer.js'

/** The pages' sockets, busy or free at the test's word. */
class FakeLink implements FrameLink {
  busy = false
  private waiting: (() => void)[] = []
  sendable(): Promise<void> {
    return this.busy ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve()
  }
  free(): void {
    this.busy = false
    for (const resolve of this.waiting.splice(0)) resolve()
  }
}

/**
 * `n` event-loop turns. setImmediate stays real (only setTimeout and Date are faked), so a turn is a turn
 * and time moves only when the test says.
 */
async function turns(n: number): Promise<void> {
  for (let k = 0; k < n; k++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** `ms` of fake time, then a few turns for what the timers scheduled with setImmediate. */
async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  await turns(3)
}

describe('frame pacer', () => {
  let pacer: FramePacer | undefined
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  })
  afterEach(() => {
    pacer?.close()
    vi.useRealTimers()
  })

  /** A pacer whose frames are recorded at the fake clock's time; the link gets busy on every frame. */
  function make(options = { maxLingerMs: 100, minGapMs: 16 }, busyAfterFrame = false) {
    const link = new FakeLink()
    const sent: number[] = []
    pacer = createFramePacer(options, {
      link,
      now: () => Date.now(),
      send: () => {
        sent.push(Date.now())
        if (busyAfterFrame) link.busy = true
      },
    })
    return { link, sent, pacer }
  }

  it('sends a lone sample at the end of the turn when the pages are idle, coalescing that turn', async () => {
    const { sent, pacer } = make()
    pacer.dataArrived()
    pacer.dataArrived()
    pacer.dataArrived()
    expect(sent).toEqual([]) // not synchronously: the rest of this turn joins the frame
    await turns(2)
    expect(sent).toEqual([1_000_000])
    await elapse(500)
    expect(sent).toHaveLength(1)
  })

  it('sends a burst that arrives over several turns in one frame, at the first turn that adds nothing', async () => {
    const { sent, pacer } = make()
    // As the inbound hop hands over one network read: 8 batches a turn, then setImmediate.
    for (let k = 0; k < 5; k++) {
      for (let b = 0; b < 8; b++) pacer.dataArrived()
      await turns(1)
      expect(sent).toEqual([])
    }
    await turns(2)
    expect(sent).toEqual([1_000_000])
  })

  it('holds frames while a page is busy and sends one when it drains', async () => {
    const { link, sent, pacer } = make()
    link.busy = true
    pacer.dataArrived()
    await elapse(30)
    pacer.dataArrived()
    await elapse(30)
    expect(sent).toEqual([])
    link.free()
    await elapse(0)
    expect(sent).toEqual([1_000_060])
  })

  it('sends at maxLingerMs at the latest while the pages stay busy', async () => {
    const { link, sent, pacer } = make()
    link.busy = true
    pacer.dataArrived()
    await elapse(99)
    expect(sent).toEqual([])
    await elapse(1)
    expect(sent).toEqual([1_000_100])
    // Still busy: the next data waits its own maxLingerMs.
    pacer.dataArrived()
    await elapse(100)
    expect(sent).toEqual([1_000_100, 1_000_200])
  })

  it('spaces frames minGapMs apart in a flood, with the pages always idle', async () => {
    const { sent, pacer } = make()
    // 100 samples per ms for one second: 100 000 samples/s.
    for (let ms = 0; ms < 1000; ms++) {
      for (let k = 0; k < 100; k++) pacer.dataArrived()
      await elapse(1)
    }
    expect(sent.length).toBeGreaterThanOrEqual(55)
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(1000 / 16))
    for (let k = 1; k < sent.length; k++) expect(sent[k]! - sent[k - 1]!).toBeGreaterThanOrEqual(16)
  })

  it('follows the pages under load: one frame per drain, at least minGapMs apart', async () => {
    const { link, sent, pacer } = make({ maxLingerMs: 100, minGapMs: 16 }, true)
    for (let ms = 0; ms < 200; ms++) {
      pacer.dataArrived()
      // The pages take 40 ms to flush each frame.
      if (link.busy && sent.length > 0 && Date.now() - sent.at(-1)! >= 40) {
        link.free()
        await turns(3)
      }
      await elapse(1)
    }
    expect(sent.length).toBe(5) // at 0, 40, 80, 120, 160 ms
    expect(sent.map((t) => t - 1_000_000)).toEqual([0, 40, 80, 120, 160])
  })

  it('arms nothing until data arrives, and nothing after close', async () => {
    const { sent, pacer } = make()
    expect(vi.getTimerCount()).toBe(0)
    pacer.dataArrived()
    pacer.close()
    await elapse(1000)
    expect(sent).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
