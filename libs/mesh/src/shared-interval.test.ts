import { AsyncLocalStorage } from 'node:async_hooks'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { everyInterval } from './shared-interval.js'

describe('everyInterval', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs every callback of a period from one timer, and stops the timer with the last one', () => {
    vi.useFakeTimers()
    const calls: string[] = []
    const stopA = everyInterval(100, () => calls.push('a'))
    const stopB = everyInterval(100, () => calls.push('b'))
    const stopC = everyInterval(250, () => calls.push('c'))
    expect(vi.getTimerCount()).toBe(2)
    vi.advanceTimersByTime(250)
    expect(calls).toEqual(['a', 'b', 'a', 'b', 'c'])
    stopA()
    stopA() // a second stop is harmless
    vi.advanceTimersByTime(100)
    expect(calls.slice(5)).toEqual(['b'])
    stopB()
    stopC()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('runs a callback in the async context it was registered in, and a throw reaches only that context', async () => {
    const scope = new AsyncLocalStorage<string>()
    const seen: (string | undefined)[] = []
    const thrownIn: (string | undefined)[] = []
    const onError = (): void => {
      thrownIn.push(scope.getStore())
    }
    // Vitest listens too; take its listeners off for this test so the planned throw is ours alone.
    const theirs = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    process.on('uncaughtException', onError)
    try {
      const stops = [
        scope.run('windowing', () =>
          everyInterval(20, () => {
            seen.push(scope.getStore())
            throw new Error('planned')
          }),
        ),
        scope.run('anomaly', () => everyInterval(20, () => seen.push(scope.getStore()))),
      ]
      await vi.waitFor(() => expect(thrownIn.length).toBeGreaterThanOrEqual(2), { timeout: 2000 })
      for (const stop of stops) stop()
      // The throwing callback did not stop the other one, and each ran in its own context.
      expect(seen.slice(0, 4)).toEqual(['windowing', 'anomaly', 'windowing', 'anomaly'])
      expect(new Set(thrownIn)).toEqual(new Set(['windowing']))
    } finally {
      process.off('uncaughtException', onError)
      for (const l of theirs) process.on('uncaughtException', l)
    }
  })
})
