/**
 * The harness's own arithmetic, which every published number goes through: percentiles by nearest rank,
 * the hop accounting identity and rates, the /proc reader, and the generated charts. No timings asserted.
 */
import { describe, expect, it } from 'vitest'
import { hopDelta, identityResidual } from './hops.js'
import { percentiles, type HopSnapshot } from './probe.js'
import { readProcUsage } from './procs.js'

const hop = (over: Partial<HopSnapshot>): HopSnapshot => ({
  in: 0,
  out: 0,
  dropped: {},
  rejected: 0,
  queue: { length: 0, capacity: 10 },
  state: 'ok',
  ...over,
})

describe('percentiles', () => {
  it('ranks by nearest rank, so p99 of 1..100 is 99 and p50 is 50', () => {
    const p = percentiles(Array.from({ length: 100 }, (_, i) => 100 - i))
    expect([p.p50, p.p95, p.p99, p.max, p.n]).toEqual([50, 95, 99, 100, 100])
  })

  it('reports NaN rather than 0 when nothing was measured', () => {
    expect(percentiles([]).p99).toBeNaN()
  })
})

describe('hop accounting', () => {
  it('finds a sample missing from in = out + dropped + queued', () => {
    expect(
      identityResidual(
        hop({ in: 100, out: 60, dropped: { oldest: 30 }, queue: { length: 10, capacity: 10 } }),
      ),
    ).toBe(0)
    expect(
      identityResidual(
        hop({ in: 100, out: 60, dropped: { oldest: 29 }, queue: { length: 10, capacity: 10 } }),
      ),
    ).toBe(1)
  })

  it('turns two snapshots into rates and a drop fraction of what arrived', () => {
    const d = hopDelta(
      hop({ in: 1000, out: 900, dropped: { oldest: 50 } }),
      hop({ in: 3000, out: 1900, dropped: { oldest: 550, sampled: 500 } }),
      2,
    )
    expect(d).toMatchObject({ inRate: 1000, outRate: 500, dropped: 1000, dropRate: 0.5 })
  })
})

describe('readProcUsage', () => {
  it('reads this process from /proc: CPU time and an RSS the size of a Node process', () => {
    const u = readProcUsage(process.pid)
    expect(u).toBeDefined()
    expect(u!.rssBytes).toBeGreaterThan(10 * 2 ** 20)
    expect(u!.cpuSeconds).toBeGreaterThan(0)
  })

  it('returns undefined for a process that does not exist', () => {
    expect(readProcUsage(2 ** 22 + 12345)).toBeUndefined()
  })
})
