import { describe, expect, it } from 'vitest'
import { holdLoopDelayMonitor, readProcessFigures } from './process-figures.js'

/** Lets the monitor take a few samples, keeps the event loop busy for `ms`, then lets the timer run. */
async function block(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 120))
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy
  }
  await new Promise((resolve) => setTimeout(resolve, 120))
}

// The windows are the process's: each test reads at times well past the other's, so every read it
// expects to close a window does.
let t = performance.now() + 1_000_000
const later = (ms: number): number => (t += ms)

describe('process figures', () => {
  it('measure a blocked event loop, and a read closes the window: the next window starts from zero', async () => {
    const release = holdLoopDelayMonitor()
    readProcessFigures(500, later(1000))
    await block(200)
    const blocked = readProcessFigures(500, later(1000))
    expect(blocked.eventLoopDelayP99).toBeGreaterThan(120)
    expect(blocked.rssBytes).toBeGreaterThan(blocked.heapUsedBytes)
    // Nothing blocked since: the new window's p99 is the lateness alone, about 0, neither the 200 ms of
    // the old window nor the 50 ms period. The best of three windows, as a loaded machine may stall one.
    const quiet: number[] = []
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      quiet.push(readProcessFigures(500, later(1000)).eventLoopDelayP99)
    }
    expect(Math.min(...quiet)).toBeLessThan(40)
    release()
  })

  it('are one measure for all readers: a read within minWindowMs of another gets the window that one closed', async () => {
    const releaseA = holdLoopDelayMonitor()
    const releaseB = holdLoopDelayMonitor()
    readProcessFigures(500, later(1000))
    await block(200)
    const p = readProcessFigures(500, later(1000))
    expect(p.eventLoopDelayP99).toBeGreaterThan(120)
    expect(readProcessFigures(500, later(10))).toEqual(p)
    releaseA()
    // B still holds it: the monitor runs on with one holder left. What it recorded stays readable after
    // the last holder lets go, as for a service's last metrics, sent as it stops.
    await block(200)
    releaseB()
    releaseB() // a second release is harmless
    expect(readProcessFigures(500, later(1000)).eventLoopDelayP99).toBeGreaterThan(120)
    // With no holder left the monitor stopped: a window without it has no delay to report.
    await block(200)
    expect(readProcessFigures(500, later(1000)).eventLoopDelayP99).toBe(0)
    // A new holder starts it afresh, at 0.
    const releaseC = holdLoopDelayMonitor()
    expect(readProcessFigures(500, later(1000)).eventLoopDelayP99).toBe(0)
    releaseC()
  })
})
