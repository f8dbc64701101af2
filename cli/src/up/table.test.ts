import type { GroupMetrics, HopMetrics, ServiceMetrics } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { compact, count, renderTable } from './table.js'

const hop = (over: Partial<HopMetrics> = {}): HopMetrics => ({
  direction: 'in',
  qos: 1,
  policy: 'drop-oldest',
  in: 1000,
  out: 990,
  dropped: { oldest: 7, newest: 0 },
  rejected: 2,
  queue: { length: 850, capacity: 1000 },
  lambda: 12_345,
  mu: 20_000,
  rho: 0.62,
  latency: { p50: 1, p95: 2, p99: 3.5 },
  state: 'warning',
  gaps: 0,
  ...over,
})
const metrics = (service: string, hops: Record<string, HopMetrics>): ServiceMetrics => ({
  service,
  instance: 'i1',
  t: 0,
  hops,
})

describe('sluice up table', () => {
  it('shows one row per hop with rates, fill, drops, p99 and state', () => {
    const lines = renderTable(
      [
        {
          service: 'windowing',
          instance: 'i1',
          metrics: metrics('windowing', { raw: hop() }),
          metricsAt: 0,
        },
      ],
      1000,
    )
    const row = lines[2]!
    expect(row).toContain('windowing')
    expect(row).toContain('raw')
    expect(row).toContain('12.3k')
    expect(row).toContain('850/1000 85%')
    expect(row).toContain('warning')
    expect(row).toMatch(/\b7\b/)
    expect(row).toContain('3.50')
  })

  it("adds a line under the bridge's device hop: rate against target, pressure, edge drops", () => {
    const device = hop({
      policy: 'drop-newest',
      queue: { length: 0, capacity: 0 },
      dropped: { edge: 1234 },
      state: 'critical',
      device: {
        id: 'arduino',
        mode: 'edge',
        pressure: 'downstream',
        targetHz: 40,
        appliedHz: 10,
        ackedHz: 40,
        commands: 2,
        edgeDropped: 1234,
      },
    })
    const lines = renderTable(
      [
        {
          service: 'serial-bridge',
          instance: 'pi',
          metrics: metrics('serial-bridge', { raw: hop({ state: 'ok' }), device }),
          metricsAt: 0,
        },
      ],
      1000,
    )
    expect(lines).toHaveLength(5)
    expect(lines[3]).toContain('device')
    expect(lines[3]).toContain('critical')
    expect(lines[4]!.trim()).toBe(
      '↳ arduino edge 10 Hz of 40 Hz (acked 40 Hz) pressure: downstream 1234 dropped at the edge',
    )
    // A free device says only its rates; other hops get no extra line.
    const free = renderTable(
      [
        {
          service: 'serial-bridge',
          instance: 'pi',
          metrics: metrics('serial-bridge', {
            device: {
              ...device,
              device: {
                ...device.device!,
                mode: 'free',
                pressure: 'none',
                appliedHz: 40,
                edgeDropped: 0,
              },
            },
          }),
          metricsAt: 0,
        },
      ],
      1000,
    )
    expect(free[3]!.trim()).toBe('↳ arduino free 40 Hz of 40 Hz (acked 40 Hz)')
  })

  it("adds a line under the anomaly service's detectors: how many are learning, ok or anomalous", () => {
    const detectors = hop({
      detectors: {
        sensors: 6,
        learning: 2,
        normal: 3,
        anomalous: 1,
        devices: 3,
        devicesLearning: 3,
        devicesAnomalous: 0,
        episodes: 4,
      },
    })
    const lines = renderTable(
      [
        {
          service: 'anomaly',
          instance: 'a1',
          metrics: metrics('anomaly', { detectors }),
          metricsAt: 0,
        },
      ],
      0,
    )
    expect(lines.at(-1)).toContain(
      '↳ 6 sensors: 2 learning, 3 ok, 1 anomalous; 3 devices: 3 learning, 0 ok, 0 anomalous',
    )
  })

  it('adds a line under each instance of a group: members, units owned, rebalances, handover cost', () => {
    const group = (instance: string, owned: number, over: Partial<GroupMetrics> = {}) => ({
      service: 'windowing',
      instance,
      metricsAt: 0,
      metrics: {
        ...metrics('windowing', { raw: hop(), out: hop({ direction: 'out' }) }),
        instance,
        group: {
          group: 'windowing',
          generation: 4,
          members: ['w1', 'w2', 'w3'].map((i) => ({ instance: i, weight: 1 })),
          units: 300,
          owned,
          rebalances: 2,
          handovers: { sent: 30, received: 20, fresh: 0 },
          lastHandoverMs: 120,
          overlap: 0,
          lost: 0,
          ...over,
        },
      },
    })
    const lines = renderTable(
      [
        group('w2', 1, { lastHandoverMs: undefined, overlap: 3, lost: 1, units: 1 }),
        group('w1', 100),
      ],
      0,
    )
    // One line per instance, after that instance's hop rows.
    expect(lines.slice(2).map((l) => l.trim().split(' ')[0])).toEqual([
      'windowing/w1',
      'windowing/w1',
      '↳',
      'windowing/w2',
      'windowing/w2',
      '↳',
    ])
    expect(lines[4]!.trim()).toBe(
      '↳ group windowing: 3 members, owns 100/300 units, 2 rebalances, last handover 120 ms, ' +
        'overlap 0, lost 0',
    )
    expect(lines[7]!.trim()).toBe(
      '↳ group windowing: 3 members, owns 1/1 unit, 2 rebalances, overlap 3, lost 1',
    )
  })

  it('adds no group line for an instance whose metrics have no group section', () => {
    const lines = renderTable(
      [
        {
          service: 'forwarder',
          instance: 'f1',
          metrics: metrics('forwarder', { out: hop() }),
          metricsAt: 0,
        },
      ],
      0,
    )
    expect(lines.some((l) => l.includes('group'))).toBe(false)
  })

  it('marks an offline service and a service whose metrics stopped', () => {
    const lines = renderTable(
      [
        {
          service: 'anomaly',
          instance: 'i1',
          status: { state: 'offline', version: '1', host: 'h', since: 0 },
        },
        {
          service: 'windowing',
          instance: 'i1',
          metrics: metrics('windowing', { raw: hop() }),
          metricsAt: 0,
        },
      ],
      10_000,
    )
    expect(lines.find((l) => l.startsWith('anomaly'))).toContain('offline')
    expect(lines.find((l) => l.startsWith('windowing'))).toContain('stale')
  })

  it('prints counters as whole numbers: no "0.00" drops', () => {
    const lines = renderTable(
      [
        {
          service: 'anomaly',
          instance: 'i1',
          metrics: metrics('anomaly', {
            raw: hop({ dropped: {}, rejected: 0, gaps: 3, queue: { length: 5, capacity: 64 } }),
          }),
          metricsAt: 0,
        },
      ],
      1000,
    )
    const row = lines[2]!
    expect(row).not.toContain('0.00')
    expect(row).toContain('5/64 8%')
    expect(row).toMatch(/ 0 +0 +3 +3\.50 /)
    expect(count(0)).toBe('0')
    expect(count(9999)).toBe('9999')
    expect(count(12_345)).toBe('12.3k')
  })

  it('formats numbers compactly', () => {
    expect(compact(5_230_000)).toBe('5.2M')
    expect(compact(0.5)).toBe('0.50')
    expect(compact(undefined)).toBe('-')
  })
})
