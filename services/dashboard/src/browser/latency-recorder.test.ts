import { describe, expect, it } from 'vitest'
import { LatencyRecorder } from './latency-recorder.js'

describe('LatencyRecorder', () => {
  it('reports nearest-rank p50 and p99 of the recorded latencies', () => {
    const rec = new LatencyRecorder(1000)
    for (let k = 1; k <= 100; k++) rec.record(0, k)
    expect(rec.summary()).toEqual({ n: 100, p50: 50, p99: 99, max: 100 })
  })

  it('keeps only the newest latencies once full, but counts them all', () => {
    const rec = new LatencyRecorder(10)
    for (let k = 1; k <= 20; k++) rec.record(0, k)
    expect(rec.summary().n).toBe(10)
    expect(rec.summary().p50).toBe(15)
    expect(rec.total).toBe(20)
  })
})
