import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createKeepaliveTimer } from './keepalive-timer.js'

describe('createKeepaliveTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('calls back every period while set', () => {
    const timer = createKeepaliveTimer()
    const fn = vi.fn()
    // Truthy: mqtt.js clears its timer only when it holds an id.
    expect(timer.set(fn, 100)).toBeTruthy()
    vi.advanceTimersByTime(350)
    expect(fn).toHaveBeenCalledTimes(3)
    timer.clear(0)
  })

  it('restarts the count when cleared and set again, with one interval and the newest callback', () => {
    const made = vi.spyOn(globalThis, 'setInterval')
    const timer = createKeepaliveTimer()
    const first = vi.fn()
    const second = vi.fn()
    timer.set(first, 100)
    for (let t = 0; t < 10; t++) {
      vi.advanceTimersByTime(60)
      timer.clear(0)
      timer.set(second, 100)
    }
    // Rearmed every 60 ms for 600 ms: never 100 ms without a rearm, so nothing fired.
    expect(first).not.toHaveBeenCalled()
    expect(second).not.toHaveBeenCalled()
    vi.advanceTimersByTime(100)
    expect(second).toHaveBeenCalledTimes(1)
    expect(made).toHaveBeenCalledTimes(1)
    timer.clear(0)
  })

  it('stops on a clear that no set follows, and lets the process exit meanwhile', () => {
    const timer = createKeepaliveTimer()
    const fn = vi.fn()
    timer.set(fn, 100)
    timer.clear(0)
    vi.advanceTimersByTime(1000)
    expect(fn).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('takes a new period when asked for one', () => {
    const timer = createKeepaliveTimer()
    const fn = vi.fn()
    timer.set(fn, 100)
    timer.clear(0)
    timer.set(fn, 40)
    vi.advanceTimersByTime(100)
    expect(fn).toHaveBeenCalledTimes(2)
    timer.clear(0)
  })
})
