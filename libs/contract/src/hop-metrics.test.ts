import { createBoundedQueue, createHopMeter } from '@sluice/stream'
import { describe, expect, it } from 'vitest'
import { readHopInterval, toHopMetrics } from './hop-metrics.js'
import { decodeMetrics } from './codec.js'

describe('toHopMetrics', () => {
  it('builds a valid hop payload from a queue and its meter, rounded, with zero extras left out', () => {
    const queue = createBoundedQueue<number>({ capacity: 4, policy: 'drop-oldest' })
    const meter = createHopMeter({ now: 0 })
    for (let i = 0; i < 6; i++) {
      queue.offer(i)
      meter.arrive(i, 1)
      meter.observeLength(i, queue.length)
    }
    queue.poll()
    meter.serve(10, 1, 10 / 3, 0)
    const { counters, snapshot } = readHopInterval(queue, meter, 1000)
    const m = toHopMetrics({
      spec: { qos: 1, queue: { policy: 'drop-oldest' } },
      direction: 'in',
      topic: 'sluice/+/+/raw',
      counters,
      out: 1,
      rejected: 2,
      extraDropped: { shutdown: 0, failed: 3 },
      extraIn: 1,
      inFlight: 1,
      capacity: queue.capacity,
      snapshot,
    })
    expect(m).toMatchObject({
      direction: 'in',
      topic: 'sluice/+/+/raw',
      qos: 1,
      policy: 'drop-oldest',
      in: 7,
      out: 1,
      dropped: { oldest: 2, newest: 0, sampled: 0, failed: 3 },
      rejected: 2,
      queue: { length: 4, capacity: 4 },
      w: 3.333,
      state: 'critical',
    })
    expect(m.dropped).not.toHaveProperty('shutdown')
    expect(m).not.toHaveProperty('latency')
    const message = { service: 's', instance: 'i', t: 1, hops: { raw: m } }
    expect(decodeMetrics(JSON.stringify(message)).ok).toBe(true)
  })

  it('leaves out ρ when the consumer stalled (ρ = ∞), and takes a hop without a queue', () => {
    const meter = createHopMeter({ now: 0 })
    meter.arrive(0, 5)
    const m = toHopMetrics({
      spec: { qos: 0, queue: { policy: 'drop-newest' } },
      direction: 'out',
      counters: { arrived: 5, queued: 5 },
      out: 0,
      rejected: 0,
      extraDropped: { evicted: 1 },
      capacity: 10,
      snapshot: meter.snapshot(1000, { length: 5, capacity: 10, arrived: 5, dropped: 0 }),
    })
    expect(m).not.toHaveProperty('rho')
    expect(m.dropped).toEqual({ evicted: 1 })
  })
})
