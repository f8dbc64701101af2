import { describe, expect, it } from 'vitest'
import { acquireLoopDelay } from './loop-delay.js'

/** Lets the monitor take a few samples, keeps the event loop busy for `ms`, then lets the timer run. */
async function block(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 120))
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy
  }
  await new Promise((resolve) => setTimeout(resolve, 120))
}

describe('acquireLoopDelay', () => {
  it('measures a blocked event loop, and a read closes the window: the next window starts from zero', async () => {
    let t = 0
    const r = acquireLoopDelay(() => t)
    await block(200)
    t = 1000
    expect(r.p99Ms(500)).toBeGreaterThan(120)
    // Nothing blocked since: the new window's p99 is the lateness alone, about 0, neither the 200 ms of
    // the old window nor the 50 ms period. The best of three windows, as a loaded machine may stall one.
    const quiet: number[] = []
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      t += 1000
      quiet.push(r.p99Ms(500))
    }
    expect(Math.min(...quiet)).toBeLessThan(40)
    r.release()
  })

  it('is one monitor for all readers: a read within minWindowMs of another gets the window that one closed', async () => {
    let t = 0
    const a = acquireLoopDelay(() => t)
    const b = acquireLoopDelay(() => t)
    await block(200)
    t = 1000
    const p = a.p99Ms(500)
    expect(p).toBeGreaterThan(120)
    t = 1010
    expect(b.p99Ms(500)).toBe(p)
    a.release()
    // b still reads: the monitor runs on with one reader left.
    await block(200)
    t = 2000
    expect(b.p99Ms(500)).toBeGreaterThan(120)
    b.release()
    b.release() // a second release is harmless
    // With no reader left the monitor stopped; a new reader starts a fresh one at 0.
    const c = acquireLoopDelay(() => t)
    expect(c.p99Ms(500)).toBe(0)
    c.release()
  })
})
