import { describe, expect, it } from 'vitest'
import { createEdgeGate } from './edge-gate.js'

/** Lines admitted out of `n` read every `everyMs`, starting at `from`. */
function admitted(
  gate: ReturnType<typeof createEdgeGate>,
  hz: number,
  n: number,
  everyMs: number,
  from = 0,
) {
  let passed = 0
  for (let i = 0; i < n; i++) if (gate.admit(hz, from + i * everyMs)) passed++
  return passed
}

describe('createEdgeGate', () => {
  it('lets everything through while no rate is given', () => {
    const gate = createEdgeGate()
    for (let i = 0; i < 100; i++) expect(gate.admit(undefined, i)).toBe(true)
  })

  it('passes 10 of 40 lines per second once its first second of credit is spent', () => {
    const gate = createEdgeGate()
    // 40 Hz for 1 s: the bucket starts with one second's worth (10) and earns 10 more.
    const first = admitted(gate, 10, 40, 25)
    expect(first).toBeGreaterThanOrEqual(10)
    expect(first).toBeLessThanOrEqual(21)
    // Then 10 s at 40 Hz: 10 per second, within one line.
    const next = admitted(gate, 10, 400, 25, 1000)
    expect(Math.abs(next - 100)).toBeLessThanOrEqual(1)
  })

  it('passes the rate on average when lines come in bursts', () => {
    const gate = createEdgeGate()
    let passed = 0
    // 50 Hz delivered as 5 lines every 100 ms, for 20 s, limited to 30 Hz.
    for (let chunk = 0; chunk < 200; chunk++)
      for (let i = 0; i < 5; i++) if (gate.admit(30, chunk * 100)) passed++
    expect(passed / 20).toBeGreaterThan(29)
    expect(passed / 20).toBeLessThan(32)
  })

  it('starts over with a full bucket after the limit was lifted', () => {
    const gate = createEdgeGate()
    expect(admitted(gate, 2, 10, 0)).toBe(2)
    expect(gate.admit(2, 1)).toBe(false)
    expect(gate.admit(undefined, 2)).toBe(true)
    expect(admitted(gate, 2, 10, 0, 3)).toBe(2)
  })
})
