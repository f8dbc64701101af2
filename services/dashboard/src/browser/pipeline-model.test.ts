import type { HopMetrics, ServiceMetrics } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import type { ServiceRow } from '../protocol.js'
import { hopRows, liveness } from './pipeline-model.js'

const hop = (over: Partial<HopMetrics>): HopMetrics => ({
  direction: 'in',
  qos: 1,
  policy: 'drop-oldest',
  in: 0,
  out: 0,
  dropped: {},
  rejected: 0,
  queue: { length: 0, capacity: 1000 },
  state: 'ok',
  ...over,
})
const metrics = (t: number, hops: Record<string, HopMetrics>): ServiceMetrics => ({
  service: 'windowing',
  instance: 'w1',
  t,
  hops,
})
const row = (m: ServiceMetrics | undefined, state?: 'online' | 'offline'): ServiceRow => ({
  service: 'windowing',
  instance: 'w1',
  seenAt: 0,
  ...(m === undefined ? {} : { metrics: m }),
  ...(state === undefined ? {} : { status: { state, version: '1', host: 'h', since: 0 } }),
})

describe('pipeline model', () => {
  it('computes drop rates by reason from two cumulative readings', () => {
    const before = metrics(1000, { raw: hop({ dropped: { oldest: 100 } }) })
    const now = metrics(3000, { raw: hop({ dropped: { oldest: 300, late: 4 } }) })
    const [r] = hopRows([row(now)], new Map([['windowing/w1', before]]))
    expect(r!.dropRates).toEqual({ oldest: 100, late: 2 })
    expect(r!.dropsTotal).toBe(304)
  })

  it('marks the fullest queue as the bottleneck, or a hop not ok, and never an idle one', () => {
    const full = metrics(1000, {
      a: hop({ queue: { length: 900, capacity: 1000 }, rho: 0.5 }),
      b: hop({ queue: { length: 600, capacity: 1000 }, rho: 1.2 }),
    })
    const marked = (m: ServiceMetrics) =>
      hopRows([row(m)], new Map())
        .filter((r) => r.bottleneck)
        .map((r) => r.hop)
    expect(marked(full)).toEqual(['a'])
    expect(marked(metrics(1000, { a: hop({}), b: hop({ state: 'critical' }) }))).toEqual(['b'])
    // An outbound hop that sends at once reads ρ ≈ 1 with an empty queue: that is not backpressure.
    expect(marked(metrics(1000, { a: hop({ rho: 1 }), b: hop({ rho: 0.2 }) }))).toEqual([])
  })

  it('says offline from the status, and silent when metrics stopped while online', () => {
    expect(liveness(row(metrics(1000, {}), 'offline'), 2000)).toBe('offline')
    expect(liveness(row(metrics(1000, {}), 'online'), 2000)).toBe('online')
    expect(liveness(row(metrics(1000, {}), 'online'), 60_000)).toBe('silent')
    expect(liveness(row(undefined), 0)).toBe('unknown')
  })
})
