import { describe, expect, it } from 'vitest'
import { StreamError } from '../errors.js'
import { createWindow } from './create-window.js'
import { gcd, overlap, validateWindowSpec, windowKind, type WindowSpec } from './spec.js'

describe('overlap', () => {
  it('is (size − stride) / size', () => {
    expect(overlap(100, 25)).toBe(0.75)
    expect(overlap(100, 100)).toBe(0)
    expect(overlap(10, 1)).toBe(0.9)
  })
})

describe('windowKind', () => {
  it('classifies count, time and session specs', () => {
    expect(windowKind({ type: 'count', size: 10, stride: 10 })).toBe('tumbling')
    expect(windowKind({ type: 'count', size: 10, stride: 1 })).toBe('sliding')
    expect(windowKind({ type: 'count', size: 10, stride: 5 })).toBe('hopping')
    expect(windowKind({ type: 'time', length: 10, every: 10, allowedLateness: 0 })).toBe('tumbling')
    expect(windowKind({ type: 'time', length: 10, every: 5, allowedLateness: 0 })).toBe('hopping')
    expect(windowKind({ type: 'session', gap: 1, maxDuration: 5 })).toBe('session')
  })
})

describe('validateWindowSpec', () => {
  it('returns a frozen copy of a valid spec', () => {
    const spec = validateWindowSpec('w', {
      type: 'time',
      length: 1000,
      every: 250,
      allowedLateness: 12.5,
    })
    expect(spec).toEqual({ type: 'time', length: 1000, every: 250, allowedLateness: 12.5 })
    expect(Object.isFrozen(spec)).toBe(true)
  })

  const bad: [string, unknown, RegExp][] = [
    ['zero size', { type: 'count', size: 0, stride: 1 }, /size must be an integer ≥ 1, got 0/],
    ['fractional stride', { type: 'count', size: 5, stride: 1.5 }, /stride must be an integer/],
    ['stride > size', { type: 'count', size: 5, stride: 6 }, /stride \(6\) must be ≤ size \(5\)/],
    [
      'missing every',
      { type: 'time', length: 1000 },
      /every must be an integer ≥ 1, got undefined/,
    ],
    [
      'negative lateness',
      { type: 'time', length: 10, every: 5, allowedLateness: -1 },
      /allowedLateness/,
    ],
    [
      'every > length',
      { type: 'time', length: 10, every: 20, allowedLateness: 0 },
      /every \(20 ms\) must be ≤ length/,
    ],
    [
      'too many panes',
      { type: 'time', length: 1_000_003, every: 2, allowedLateness: 0 },
      /Choose an every that divides length/,
    ],
    ['zero gap', { type: 'session', gap: 0, maxDuration: 10 }, /gap must be a finite number/],
    ['infinite maxDuration', { type: 'session', gap: 1, maxDuration: Infinity }, /maxDuration/],
    [
      'unknown type',
      { type: 'rolling', size: 3 },
      /type must be "count", "time" or "session", got "rolling"/,
    ],
    ['not an object', null, /the spec must be an object/],
  ]
  it.each(bad)(
    'rejects %s with SLUICE_ERR_WINDOW_INVALID_SPEC and names the window',
    (_, spec, message) => {
      let caught: unknown
      try {
        createWindow('w5s', spec as WindowSpec)
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(StreamError)
      const err = caught as StreamError
      expect(err.code).toBe('SLUICE_ERR_WINDOW_INVALID_SPEC')
      expect(err.name).toBe('StreamError')
      expect(err.message).toMatch(/^Window "w5s": /)
      expect(err.message).toMatch(message)
    },
  )
})

describe('gcd', () => {
  it('computes greatest common divisors', () => {
    expect(gcd(1000, 250)).toBe(250)
    expect(gcd(1000, 300)).toBe(100)
    expect(gcd(7, 3)).toBe(1)
  })
})
