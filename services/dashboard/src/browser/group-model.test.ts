import type { GroupMetrics } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import type { ServiceRow } from '../protocol.js'
import { groupRows } from './group-model.js'

const members = (...ids: string[]) => ids.map((instance) => ({ instance, weight: 1 }))
const report = (over: Partial<GroupMetrics> = {}): GroupMetrics => ({
  group: 'windowing',
  generation: 3,
  members: members('w1', 'w2'),
  units: 6,
  owned: 3,
  rebalances: 2,
  handovers: { sent: 1, received: 1, fresh: 0 },
  overlap: 0,
  lost: 0,
  ...over,
})
const row = (instance: string, group?: GroupMetrics, service = 'windowing'): ServiceRow => ({
  service,
  instance,
  seenAt: 0,
  metrics: { service, instance, t: 0, hops: {}, ...(group === undefined ? {} : { group }) },
})

describe('group model', () => {
  it('lists each member with the units it owns and its share, and the group settled when they agree', () => {
    const [g, ...more] = groupRows([
      row('w2', report({ owned: 2, lastHandoverMs: 40, overlap: 1 })),
      row('w1', report({ owned: 4, lastHandoverMs: 120, lost: 5 })),
      row('f1'),
    ])
    expect(more).toEqual([])
    expect(g).toMatchObject({
      service: 'windowing',
      group: 'windowing',
      generation: 3,
      units: 6,
      owned: 6,
      settled: true,
      rebalances: 2,
      lastHandoverMs: 120,
      overlap: 1,
      lost: 5,
    })
    expect(g!.members.map((m) => [m.instance, m.weight, m.report?.owned, m.share])).toEqual([
      ['w1', 1, 4, 4 / 6],
      ['w2', 1, 2, 2 / 6],
    ])
  })

  it('is not settled while members report different generations', () => {
    const [g] = groupRows([
      row('w1', report({ owned: 3 })),
      row('w2', report({ owned: 3, generation: 4, rebalances: 3 })),
    ])
    expect(g).toMatchObject({ generation: 4, rebalances: 3, settled: false })
  })

  it('shows a listed member that sent no report yet, and a reporter missing from the list', () => {
    const [g] = groupRows([
      row('w1', report({ owned: 6, members: members('w1', 'w3') })),
      row('w2', report({ owned: 0 })),
    ])
    expect(g!.members.map((m) => [m.instance, m.weight, m.report === undefined])).toEqual([
      ['w1', 1, false],
      ['w2', undefined, false],
      ['w3', 1, true],
    ])
    expect(g!.settled).toBe(false)
  })

  it('is not settled when the units owned do not add up to the units known', () => {
    const [g] = groupRows([row('w1', report({ owned: 3 })), row('w2', report({ owned: 2 }))])
    expect(g).toMatchObject({ owned: 5, units: 6, settled: false })
  })

  it('keeps the groups of different services apart, in order, and has no share without units', () => {
    const groups = groupRows([
      row('w1', report({ members: members('w1'), units: 0, owned: 0 })),
      row('a1', report({ group: 'anomaly', members: members('a1') }), 'anomaly'),
    ])
    expect(groups.map((g) => `${g.service}/${g.group}`)).toEqual([
      'anomaly/anomaly',
      'windowing/windowing',
    ])
    expect(groups[1]!.members[0]!.share).toBeUndefined()
    expect(groups[1]!.lastHandoverMs).toBeUndefined()
  })
})
