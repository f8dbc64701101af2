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

  it('follows a step of the wall clock that the monotonic clock does not see (a suspended VM)', async () => {
    const { epochMs } = await import('./clock.js')
    const before = epochMs()
    const real = Date.now.bind(Date)
    vi.spyOn(Date, 'now').mockImplementation(() => real() + 9_500)
    const t = epochMs()
    expect(t - before).toBeGreaterThan(9_499)
    expect(t - before).toBeLessThan(9_600)
    // and keeps its fraction afterwards, anchored on the new wall clock
    const later = epochMs()
    expect(later).toBeGreaterThanOrEqual(Date.now() - 0.001)
    expect(later).toBeLessThan(Date.now() + 1)
  })
})
