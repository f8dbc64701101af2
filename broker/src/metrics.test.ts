import { describe, expect, it } from 'vitest'
import { hopState } from './metrics.js'

describe('hopState', () => {
  it('is ok below 80 % full with no drops', () => {
    expect(hopState(80, 100, 1000, 0)).toBe('ok')
  })
  it('warns over 80 % full', () => {
    expect(hopState(81, 100, 1000, 0)).toBe('warning')
  })
  it('is critical over 95 % full, or over 1 % dropped in the interval', () => {
    expect(hopState(96, 100, 1000, 0)).toBe('critical')
    expect(hopState(0, 100, 1000, 11)).toBe('critical')
    expect(hopState(0, 100, 1000, 10)).toBe('ok')
  })
})
