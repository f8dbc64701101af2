import { describe, expect, it } from 'vitest'
import { createLoginThrottle } from './login-throttle.js'

describe('login throttle', () => {
  it('allows a burst of failures per address, then one per refill interval', () => {
    const t = createLoginThrottle({ burst: 3, perMinute: 60 })
    expect([0, 0, 0].map(() => t.attempt('a', 0))).toEqual([0, 0, 0])
    expect(t.attempt('a', 0)).toBe(1000) // one token a second
    expect(t.attempt('b', 0)).toBe(0) // another address is not affected
    expect(t.attempt('a', 500)).toBe(500)
    expect(t.attempt('a', 1000)).toBe(0)
  })

  it('gives back the token of a login that succeeded', () => {
    const t = createLoginThrottle({ burst: 1, perMinute: 1 })
    for (let i = 0; i < 10; i++) {
      expect(t.attempt('a', i)).toBe(0)
      t.succeeded('a')
    }
    expect(t.attempt('a', 10)).toBe(0)
    expect(t.attempt('a', 11)).toBeGreaterThan(0)
  })

  it('remembers a bounded number of addresses, forgetting the least recently seen', () => {
    const t = createLoginThrottle({ burst: 1, perMinute: 1, maxAddresses: 2 })
    t.attempt('a', 0)
    t.attempt('b', 0)
    t.attempt('a', 0) // a is seen again: b is now the oldest
    t.attempt('c', 0)
    expect(t.size).toBe(2)
    expect(t.attempt('a', 0)).toBeGreaterThan(0) // still remembered, and empty
    expect(t.attempt('b', 0)).toBe(0) // forgotten: a fresh bucket
  })
})
