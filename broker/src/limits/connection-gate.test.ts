import { describe, expect, it } from 'vitest'
import { createConnectionGate } from './connection-gate.js'

function gate(maxConnections: number, maxPendingPerAddress: number) {
  const evicted: string[] = []
  const g = createConnectionGate<string>({
    maxConnections,
    maxPendingPerAddress,
    evict: (c) => evicted.push(c),
  })
  return { g, evicted }
}

describe('connection gate', () => {
  it('caps pending connections per address, not logged-in ones', () => {
    const { g } = gate(100, 2)
    expect(g.admit('a1', 'A').admitted).toBe(true)
    expect(g.admit('a2', 'A').admitted).toBe(true)
    expect(g.admit('a3', 'A')).toEqual({ admitted: false, reason: 'address' })
    expect(g.admit('b1', 'B').admitted).toBe(true)
    g.loggedIn('a1')
    expect(g.admit('a4', 'A').admitted).toBe(true)
    g.closed('a2')
    expect(g.admit('a5', 'A').admitted).toBe(true)
    expect(g.pending).toBe(3) // b1, a4, a5: not a1 (logged in) nor a2 (closed)
  })

  it('makes room by evicting the oldest pending connection, never a logged-in one', () => {
    const { g, evicted } = gate(3, 10)
    g.admit('ok', 'X')
    g.loggedIn('ok')
    g.admit('idle1', 'A')
    g.admit('idle2', 'A')
    expect(g.admit('new', 'B')).toEqual({ admitted: true, evicted: 1 })
    expect(evicted).toEqual(['idle1'])
    expect(g.open).toBe(3)
    g.loggedIn('idle2')
    g.loggedIn('new')
    expect(g.admit('late', 'C')).toEqual({ admitted: false, reason: 'limit' })
    expect(evicted).toEqual(['idle1'])
  })
})
