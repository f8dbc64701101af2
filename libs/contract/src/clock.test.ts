import { afterEach, describe, expect, it, vi } from 'vitest'

describe('epochMs', () => {
  afterEach(() => {
    vi.restoreAllMocks()
    vi.resetModules()
  })

  it('is the wall clock with a fraction, never a millisecond away from Date.now()', async () => {
    const { epochMs } = await import('./clock.js')
    for (let i = 0; i < 1000; i++) {
      const before = Date.now()
      const t = epochMs()
      const after = Date.now()
      expect(t).toBeGreaterThanOrEqual(before - 0.001)
      expect(t).toBeLessThan(after + 1)
    }
  })

  it('stamps to the microsecond, so a time is written with at most three decimals', async () => {
    const { epochMs } = await import('./clock.js')
    for (let i = 0; i < 1000; i++) {
      const t = epochMs()
      expect(JSON.stringify(t)).toMatch(/^\d+(\.\d{1,3})?$/)
    }
  })

  it('follows a step of the wall clock that the monotonic clock does not see (a suspended VM)', async () => {
    const { epochMs } = await import('./clock.js')
    const real = Date.now.bind(Date)
    const before = epochMs()
    const realBefore = real()
    vi.spyOn(Date, 'now').mockImplementation(() => real() + 9_500)
    const t = epochMs()
    // The step, plus whatever real time passed between the two readings (a loaded CI machine may pause
    // this process for longer than any fixed margin).
    const elapsed = real() - realBefore
    expect(t - before).toBeGreaterThan(9_499)
    expect(t - before).toBeLessThan(9_500 + elapsed + 1)
    // and keeps its fraction afterwards, anchored on the new wall clock
    const later = epochMs()
    expect(later).toBeGreaterThanOrEqual(Date.now() - 0.001)
    expect(later).toBeLessThan(Date.now() + 1)
  })

  it('never goes back when the wall clock lags the monotonic one by under a second, so intervals are ≥ 0', async () => {
    const { epochMs } = await import('./clock.js')
    const real = Date.now.bind(Date)
    let lag = 0
    vi.spyOn(Date, 'now').mockImplementation(() => real() - lag)
    let prev = epochMs()
    for (let i = 0; i < 2000; i++) {
      lag = i % 7 === 0 ? 0.9 * (i % 3) : lag // the wall clock slews back by up to 1.8 ms now and then
      const t = epochMs()
      expect(t).toBeGreaterThanOrEqual(prev)
      prev = t
    }
    // a real step back (a second or more) is followed
    lag = 5000
    expect(epochMs()).toBeLessThan(prev - 4000)
  })
})
