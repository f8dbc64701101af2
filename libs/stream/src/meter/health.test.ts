import { describe, expect, it } from 'vitest'
import { hopState, littlesLaw, timeToOverflow, utilisation } from './health.js'

describe('health helpers', () => {
  it('gives 2.5 s to overflow for 5 free samples filling at 2/s', () => {
    expect(timeToOverflow({ length: 95, capacity: 100, netRatePerSecond: 2 })).toBe(2.5)
  })

  it('never overflows a draining queue, and a full one overflows now', () => {
    expect(timeToOverflow({ length: 50, capacity: 100, netRatePerSecond: -3 })).toBe(Infinity)
    expect(timeToOverflow({ length: 100, capacity: 100, netRatePerSecond: 1 })).toBe(0)
  })

  it('is ok up to 80% full, warning above, critical above 95%', () => {
    expect(hopState({ length: 80, capacity: 100, dropRate: 0 })).toBe('ok')
    expect(hopState({ length: 81, capacity: 100, dropRate: 0 })).toBe('warning')
    expect(hopState({ length: 95, capacity: 100, dropRate: 0 })).toBe('warning')
    expect(hopState({ length: 96, capacity: 100, dropRate: 0 })).toBe('critical')
  })

  it('is critical when more than 1% of arrivals are dropped, even with an empty queue', () => {
    expect(hopState({ length: 0, capacity: 100, dropRate: 0.01 })).toBe('ok')
    expect(hopState({ length: 0, capacity: 100, dropRate: 0.011 })).toBe('critical')
  })

  it('computes L = λW with W in ms, and ρ = λ/μ', () => {
    expect(littlesLaw({ ratePerSecond: 200, meanWaitMs: 50 })).toBe(10)
    expect(utilisation(50, 100)).toBe(0.5)
    expect(utilisation(0, 0)).toBe(0)
    expect(utilisation(5, 0)).toBe(Infinity)
  })
})
