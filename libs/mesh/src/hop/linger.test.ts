import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLinger } from './linger.js'
import type { LingerFlush } from './linger-batches.js'

/** A hop whose busy state the test sets; `free()` wakes whoever waits for it to be sendable. */
function fakeLink() {
  let busy = false
  let waiters: (() => void)[] = []
  return {
    get busy() {
      return busy
    },
    sendable() {
      if (!busy) return Promise.resolve()
      return new Promise<void>((resolve) => waiters.push(resolve))
    },
    setBusy() {
      busy = true
    },
    free() {
      busy = false
      const w = waiters
      waiters = []
      for (const f of w) f()
    },
  }
}

describe('createLinger', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const setup = (maxSamples = 100, maxDelayMs = 50) => {
    const link = fakeLink()
    const sent: LingerFlush<number>[] = []
    const linger = createLinger<number>(
      { maxSamples, maxDelayMs },
      { link, now: () => Date.now(), send: (f) => sent.push(f) },
    )
    return { link, sent, linger }
  }

  it('sends a lone item at once while the hop is free, with no timer', () => {
    const { sent, linger } = setup()
    linger.add('a', 1, 0)
    linger.add('a', 2, 0)
    expect(sent).toEqual([
      { key: 'a', samples: [1] },
      { key: 'a', samples: [2] },
    ])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('sends items that arrive together as one batch while the hop is free, and lingers them while busy', async () => {
    const { link, sent, linger } = setup()
    linger.addAll('a', [1, 2, 3], 0)
    expect(sent).toEqual([{ key: 'a', samples: [1, 2, 3] }])
    link.setBusy()
    linger.addAll('a', [4, 5], 1)
    linger.add('a', 6, 2)
    expect(sent).toHaveLength(1)
    link.free()
    await Promise.resolve()
    expect(sent.at(-1)).toEqual({ key: 'a', samples: [4, 5, 6] })
    expect(linger.pending).toBe(0)
  })

  it('lingers while the hop is busy and sends the batch as soon as it is free, before the deadline', async () => {
    const { link, sent, linger } = setup()
    link.setBusy()
    linger.add('a', 1, 0)
    linger.add('a', 2, 1)
    linger.add('b', 3, 1)
    expect(sent).toEqual([])
    expect(linger.pending).toBe(3)
    vi.setSystemTime(5)
    link.free()
    await Promise.resolve()
    expect(sent).toEqual([
      { key: 'a', samples: [1, 2] },
      { key: 'b', samples: [3] },
    ])
    expect(linger.pending).toBe(0)
  })

  it('sends at the deadline when the hop stays busy', async () => {
    const { link, sent, linger } = setup(100, 50)
    link.setBusy()
    linger.add('a', 1, 0)
    await vi.advanceTimersByTimeAsync(49)
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toEqual([{ key: 'a', samples: [1] }])
  })

  it('sends a full batch at once while the hop stays busy', () => {
    const { link, sent, linger } = setup(3, 50)
    link.setBusy()
    for (let i = 0; i < 3; i++) linger.add('a', i, 0)
    expect(sent).toEqual([{ key: 'a', samples: [0, 1, 2] }])
  })

  it('flushes what is pending on demand, and sends nothing more once closed', async () => {
    const { link, sent, linger } = setup()
    link.setBusy()
    linger.add('a', 1, 0)
    linger.flush()
    expect(sent).toEqual([{ key: 'a', samples: [1] }])
    linger.add('a', 2, 0)
    linger.close()
    link.free()
    await vi.advanceTimersByTimeAsync(100)
    expect(sent).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})
