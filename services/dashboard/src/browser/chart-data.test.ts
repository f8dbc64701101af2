import type { AnomalyEvent } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { SampleRing } from '../sample-ring.js'
import { createChartData } from './chart-data.js'
import { WindowRing, type SensorSeries } from './sensor-store.js'

const anomaly = (t: number, value: number): AnomalyEvent => ({
  seq: 1,
  t,
  value,
  score: 7,
  threshold: 4,
  detector: 'zscore',
  level: 'unusual',
  kind: 'shift',
  baseline: { mean: 0, std: 1, n: 100 },
  ingest: t,
})

function seriesWith(anomalies: AnomalyEvent[]): SensorSeries {
  const samples = new SampleRing(8)
  for (let k = 1; k <= 5; k++) samples.push(k, k * 100, k, k * 100)
  const w = new WindowRing(4)
  w.push(250, 10, 2)
  w.push(450, 20, 1)
  return {
    key: 'uno/light',
    device: 'uno',
    channel: 'light',
    samples,
    windows: new Map([['w5s', w]]),
    anomalies,
    undrawn: [],
    version: 0,
  }
}

describe('createChartData', () => {
  it('step-holds under each sample the latest window closed by its time', () => {
    const data = createChartData(seriesWith([]))
    const n = data.fill(200, 'w5s')
    expect(n).toBe(4)
    expect([...data.x.subarray(0, n)]).toEqual([200, 300, 400, 500])
    expect(data.mean).toEqual([null, 10, 10, 20])
    expect(data.hi).toEqual([null, 12, 12, 21])
    expect(data.lo).toEqual([null, 8, 8, 19])
  })

  it('marks an anomaly at the first sample at or after its time, and none outside the span', () => {
    const inside = anomaly(350, 9)
    const data = createChartData(seriesWith([anomaly(50, 1), inside]))
    data.fill(200, undefined)
    expect(data.marks).toEqual([null, null, 9, null])
    expect([...data.markEvents]).toEqual([[2, inside]])
    expect(data.mean).toEqual([null, null, null, null])
  })
})
