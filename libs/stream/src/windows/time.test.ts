import { describe, expect, it } from 'vitest'
import type { WindowAggregate } from './aggregate.js'
import { createWindow } from './create-window.js'

function timeWindow(length: number, every: number, allowedLateness: number) {
  const out: WindowAggregate[] = []
  const w = createWindow('t', { type: 'time', length, every, allowedLateness })
  let seq = 0
  return {
    out,
    w,
    push: (t: number, value: number) =>
      w.push({ seq: seq++, t, value, ingest: t + 1 }, (a) => out.push(a)),
    advance: (t: number) => w.advance(t, (a) => out.push(a)),
    flush: () => w.flush((a) => out.push(a)),
  }
}

const brief = (a: WindowAggregate) => [a.start, a.end, a.count, a.mean, a.late]

describe('time windows', () => {
  it('emits a tumbling window once event time reaches its end, with [start, end) bounds', () => {
    const tw = timeWindow(100, 100, 0)
    tw.push(10, 1)
    tw.push(99.5, 3)
    expect(tw.out).toEqual([])
    tw.push(100, 7)
    expect(tw.out).toEqual([
      {
        window: 't',
        kind: 'tumbling',
        start: 0,
        end: 100,
        count: 2,
        mean: 2,
        std: Math.SQRT2,
        min: 1,
        max: 3,
        first: 1,
        last: 3,
        seqFrom: 0,
        seqTo: 1,
        late: 0,
        ingestMax: 100.5,
      },
    ])
    tw.flush()
    expect(tw.out.map(brief)).toEqual([
      [0, 100, 2, 2, 0],
      [100, 200, 1, 7, 0],
    ])
  })

  it('puts each sample in every hopping window that contains it and skips empty windows', () => {
    const tw = timeWindow(100, 50, 0)
    tw.push(60, 1)
    tw.push(1000, 2)
    expect(tw.out.map(brief)).toEqual([
      [0, 100, 1, 1, 0],
      [50, 150, 1, 1, 0],
    ])
  })

  it('counts out-of-order samples as late and drops them when lateness is 0', () => {
    const tw = timeWindow(100, 100, 0)
    tw.push(50, 1)
    tw.push(40, 100)
    tw.push(150, 2)
    expect(tw.w.lateCount).toBe(1)
    expect(tw.out.map(brief)).toEqual([[0, 100, 1, 1, 1]])
  })

  it('re-emits an already emitted window when a late-but-allowed sample arrives', () => {
    const tw = timeWindow(100, 100, 50)
    tw.push(10, 1)
    tw.push(120, 2) // event time passes 100: [0, 100) fires
    tw.push(90, 3) // 30 ms behind, within the 50 ms allowance: updates [0, 100) and re-emits it
    expect(tw.out.map(brief)).toEqual([
      [0, 100, 1, 1, 0],
      [0, 100, 2, 2, 0],
    ])
    expect(tw.out[1]).toMatchObject({ first: 1, last: 3, seqFrom: 0, seqTo: 2, max: 3 })
  })

  it('counts samples behind the watermark as late, and reports them in later aggregates', () => {
    const tw = timeWindow(100, 100, 50)
    tw.push(10, 1)
    tw.push(160, 2) // watermark 110: [0, 100) fires and closes
    tw.push(99, 5) // behind the watermark: late, dropped
    tw.push(115, 6) // within the allowance, in the open window [100, 200)
    expect(tw.w.lateCount).toBe(1)
    tw.flush()
    expect(tw.out.map(brief)).toEqual([
      [0, 100, 1, 1, 0],
      [100, 200, 2, 4, 1],
    ])
  })

  it('emits a window that was empty when it fired if an allowed late sample lands in it', () => {
    const tw = timeWindow(10, 10, 100)
    tw.push(5, 1)
    tw.push(25, 2) // fires [0, 10); [10, 20) is empty and skipped
    tw.push(15, 3) // late but allowed: [10, 20) is emitted now
    expect(tw.out.map(brief)).toEqual([
      [0, 10, 1, 1, 0],
      [10, 20, 1, 3, 0],
    ])
  })

  it('takes in out-of-order samples within the lateness, before and after their window fires', () => {
    const tw = timeWindow(100, 50, 80)
    for (const [t, v] of [
      [10, 1],
      [70, 2],
      [30, 3],
      [60, 4],
      [20, 5],
    ] as const)
      tw.push(t, v)
    tw.flush()
    // [-50, 50) fires at t = 70, then 30 and 20 re-emit it; [0, 100) and [50, 150) fire on flush.
    expect(tw.out.map((a) => [a.start, a.count, a.first, a.last, a.seqFrom, a.seqTo])).toEqual([
      [-50, 1, 1, 1, 0, 0],
      [-50, 2, 1, 3, 0, 2],
      [-50, 3, 1, 3, 0, 2],
      [0, 5, 1, 2, 0, 1],
      [50, 2, 4, 2, 3, 1],
    ])
  })

  it('closes windows when advanced without samples (idle sensor)', () => {
    const tw = timeWindow(100, 100, 0)
    tw.push(10, 1)
    tw.advance(99)
    expect(tw.out).toEqual([])
    tw.advance(100)
    expect(tw.out.map(brief)).toEqual([[0, 100, 1, 1, 0]])
    tw.advance(50)
    tw.flush()
    expect(tw.out).toHaveLength(1)
  })

  it('rejects an event time beyond ±2^52 ms and goes on windowing the next samples', () => {
    // Issue 11, item 1: t = 1e19 made the loop over window indices spin forever (w++ is a no-op there).
    const tw = timeWindow(100, 10, 50)
    tw.push(1000, 1)
    tw.push(1e19, 5)
    tw.push(-1e19, 5)
    tw.push(1010, 2)
    tw.push(1100, 3)
    expect(tw.w.rejectedCount).toBe(2)
    expect(tw.w.lateCount).toBe(0)
    expect(tw.out.filter((a) => a.start === 1000).map((a) => a.count)).toEqual([2])
  })

  it('fires at most length / every windows for a far jump in event time', () => {
    const tw = timeWindow(100, 10, 0)
    tw.push(0, 1)
    tw.push(2 ** 51, 2)
    tw.push(2 ** 51 + 100, 3)
    // The ten windows holding t = 0, then the ten holding 2^51: nothing for the empty years between.
    expect(tw.out).toHaveLength(20)
  })

  it('emits what an idle advance completes without making later samples late', () => {
    // Issue 11, item 2: samples buffered during an outage came after the idle timer had moved event time.
    const tw = timeWindow(100, 100, 0)
    tw.push(10, 1)
    tw.push(20, 3)
    tw.advance(5000) // the wall clock's guess while nothing arrives
    expect(tw.out.map(brief)).toEqual([[0, 100, 2, 2, 0]])
    tw.advance(6000) // emitted once only
    expect(tw.out).toHaveLength(1)
    tw.push(30, 5) // buffered upstream during the outage: not late
    tw.push(150, 7)
    tw.push(250, 9)
    expect(tw.w.lateCount).toBe(0)
    expect(tw.out.map(brief)).toEqual([
      [0, 100, 2, 2, 0],
      [0, 100, 3, 3, 0],
      [100, 200, 1, 7, 0],
    ])
  })

  it('does not emit a window again when no sample came in since an idle advance emitted it', () => {
    const tw = timeWindow(100, 50, 0)
    tw.push(10, 1)
    tw.advance(1000)
    expect(tw.out.map(brief)).toEqual([
      [-50, 50, 1, 1, 0],
      [0, 100, 1, 1, 0],
    ])
    tw.push(2000, 2) // the sensor is back, much later
    tw.flush()
    expect(tw.out.map(brief)).toEqual([
      [-50, 50, 1, 1, 0],
      [0, 100, 1, 1, 0],
      [1950, 2050, 1, 2, 0],
      [2000, 2100, 1, 2, 0],
    ])
  })

  it('stays exact over a long stream with a huge spike (no cancellation)', () => {
    const tw = timeWindow(1000, 10, 0)
    tw.push(0, 1e12)
    for (let t = 1; t < 5000; t++) tw.push(t, t % 2)
    const last = tw.out.at(-1)!
    expect(last.count).toBe(1000)
    expect(last.mean).toBe(0.5)
    expect(last.std).toBeCloseTo(Math.sqrt(250 / 999), 12)
  })
})
