import { describe, expect, it } from 'vitest'
import { createRateGovernor } from './rate-governor.js'

describe('createRateGovernor', () => {
  it('does nothing until it knows the rate to govern', () => {
    const g = createRateGovernor()
    expect(g.update(1, 10_000)).toBeUndefined()
    expect(g.appliedHz).toBeUndefined()
  })

  it('halves the rate step by step while the queue stays over 80% full, holding 2 s between steps', () => {
    const g = createRateGovernor({
      high: 0.8,
      low: 0.3,
      factor: 0.5,
      holdMs: 2000,
      ackTimeoutMs: 1000,
    })
    g.setTarget(100, 0)
    expect(g.update(0.9, 1000)).toBeUndefined() // hold after the target was set
    expect(g.update(0.9, 2000)).toEqual({ hz: 50, direction: 'lower' })
    g.acknowledged(50)
    expect(g.update(0.95, 3000)).toBeUndefined()
    expect(g.update(0.95, 4000)).toEqual({ hz: 25, direction: 'lower' })
    g.acknowledged(25)
    expect(g.throttled).toBe(true)
    // Between the thresholds: hold the rate (hysteresis).
    expect(g.update(0.5, 8000)).toBeUndefined()
    expect(g.appliedHz).toBe(25)
  })

  it('raises the rate back to the target once the queue has stayed low, never above it', () => {
    const g = createRateGovernor({ holdMs: 1000, ackTimeoutMs: 500 })
    g.setTarget(40, 0)
    expect(g.update(0.9, 1000)).toEqual({ hz: 20, direction: 'lower' })
    g.acknowledged(20)
    expect(g.update(0.1, 2000)).toBeUndefined() // low since 2000
    expect(g.update(0.1, 2999)).toBeUndefined()
    expect(g.update(0.1, 3000)).toEqual({ hz: 40, direction: 'raise' })
    g.acknowledged(40)
    expect(g.update(0.1, 9000)).toBeUndefined()
    expect(g.throttled).toBe(false)
  })

  it('does not go below the minimum rate', () => {
    const g = createRateGovernor({ holdMs: 0, minHz: 2, ackTimeoutMs: 10 })
    g.setTarget(5, 0)
    expect(g.update(1, 1)).toEqual({ hz: 3, direction: 'lower' })
    g.acknowledged(3)
    expect(g.update(1, 2)).toEqual({ hz: 2, direction: 'lower' })
    g.acknowledged(2)
    expect(g.update(1, 3)).toBeUndefined()
  })

  it('asks only for whole hertz, which is what the firmware accepts, down to 1 Hz', () => {
    const g = createRateGovernor({ holdMs: 0, ackTimeoutMs: 10 })
    g.setTarget(10, 0)
    const asked: number[] = []
    for (let t = 1; t < 10; t++) {
      const step = g.update(1, t)
      if (step !== undefined && 'direction' in step) {
        asked.push(step.hz)
        g.acknowledged(step.hz)
      }
    }
    expect(asked).toEqual([5, 3, 2, 1])
    expect(asked.every((hz) => Number.isInteger(hz))).toBe(true)
  })

  it('gives up on a device that does not acknowledge, once, and steers again after an ack', () => {
    const g = createRateGovernor({ holdMs: 0, ackTimeoutMs: 3000 })
    g.setTarget(100, 0)
    expect(g.update(0.9, 1)).toEqual({ hz: 50, direction: 'lower' })
    expect(g.update(0.9, 2000)).toBeUndefined()
    expect(g.update(0.9, 3001)).toEqual({ kind: 'unresponsive', hz: 50 })
    expect(g.unresponsive).toBe(true)
    expect(g.edgeHz).toBe(50)
    expect(g.update(0.9, 9000)).toEqual({ hz: 25, direction: 'lower', via: 'edge' })
    g.acknowledged(50)
    expect(g.unresponsive).toBe(false)
    expect(g.edgeHz).toBeUndefined()
    expect(g.update(0.9, 9001)).toEqual({ hz: 13, direction: 'lower' })
  })

  it('keeps stepping at the edge for an unresponsive device, with the same hysteresis, up to the target', () => {
    const g = createRateGovernor({ high: 0.8, low: 0.3, holdMs: 1000, ackTimeoutMs: 500 })
    g.setTarget(40, 0)
    expect(g.update(1, 1000)).toEqual({ hz: 20, direction: 'lower' })
    expect(g.update(1, 1500)).toEqual({ kind: 'unresponsive', hz: 20 })
    // Still under pressure: hold one step, then lower at the edge; no acknowledgement is awaited.
    expect(g.update(1, 2000)).toBeUndefined()
    expect(g.update(1, 2500)).toEqual({ hz: 10, direction: 'lower', via: 'edge' })
    expect(g.edgeHz).toBe(10)
    // Between the thresholds nothing moves, however long.
    expect(g.update(0.5, 9000)).toBeUndefined()
    // Low for holdMs: raise step by step, and stop thinning at the target.
    expect(g.update(0.1, 10_000)).toBeUndefined()
    expect(g.update(0.1, 11_000)).toEqual({ hz: 20, direction: 'raise', via: 'edge' })
    expect(g.update(0.1, 12_000)).toEqual({ hz: 40, direction: 'raise', via: 'edge' })
    expect(g.edgeHz).toBeUndefined()
    expect(g.throttled).toBe(false)
    expect(g.steps).toBe(4)
  })

  it('takes a new operator target as the new ceiling and current rate', () => {
    const g = createRateGovernor({ holdMs: 0 })
    g.setTarget(100, 0)
    g.update(0.9, 1)
    expect(g.setTarget(10, 2)).toBe(10)
    expect(g.appliedHz).toBe(10)
    expect(g.targetHz).toBe(10)
  })
})
