import { describe, expect, it } from 'vitest'
import type { WindowAggregate } from './aggregate.js'
import { createWindow } from './create-window.js'

function session(gap: number, maxDuration: number) {
  const out: WindowAggregate[] = []
  const w = createWindow('s', { type: 'session', gap, maxDuration })
  let seq = 0
  return {
    out,
    w,
    push: (t: number, value: number) =>
      w.push({ seq: seq++, t, value, ingest: t }, (a) => out.push(a)),
    advance: (t: number) => w.advance(t, (a) => out.push(a)),
    flush: () => w.flush((a) => out.push(a)),
  }
}

const brief = (a: WindowAggregate) => [a.start, a.end, a.count, a.first, a.last]

describe('session windows', () => {
  it('closes a session after gap ms of event-time silence', () => {
    const s = session(100, 10_000)
    s.push(0, 1)
    s.push(99, 2)
    s.push(199, 3) // exactly gap after 99: a new session
    s.flush()
    expect(s.out.map(brief)).toEqual([
      [0, 99, 2, 1, 2],
      [199, 199, 1, 3, 3],
    ])
    expect(s.out[0]).toMatchObject({
      kind: 'session',
      window: 's',
      mean: 1.5,
      seqFrom: 0,
      seqTo: 1,
    })
  })

  it('closes a session when it reaches maxDuration even without a gap', () => {
    const s = session(100, 250)
    for (let t = 0; t <= 600; t += 50) s.push(t, t)
    s.flush()
    expect(s.out.map((a) => [a.start, a.end, a.count])).toEqual([
      [0, 200, 5],
      [250, 450, 5],
      [500, 600, 3],
    ])
  })

  it('takes in out-of-order samples after its start and counts older ones as late', () => {
    const s = session(100, 10_000)
    s.push(50, 1)
    s.push(120, 2)
    s.push(60, 3) // out of order, inside the session
    s.push(10, 4) // before the session's start: late
    s.flush()
    expect(s.w.lateCount).toBe(1)
    expect(s.out.map(brief)).toEqual([[50, 120, 3, 1, 2]])
    expect(s.out[0]!.late).toBe(1)
  })

  it('closes on advance() once the sensor has been silent for gap ms', () => {
    const s = session(100, 10_000)
    s.push(0, 1)
    s.advance(99)
    expect(s.out).toEqual([])
    s.advance(100)
    expect(s.out.map(brief)).toEqual([[0, 0, 1, 1, 1]])
    expect(s.out[0]!.std).toBe(0)
  })

  it('keeps a session emitted by advance() open for samples that come later, and emits it again', () => {
    const s = session(100, 10_000)
    s.push(0, 1)
    s.advance(5000) // idle by the wall clock
    s.advance(6000)
    s.push(50, 3) // buffered upstream: joins the session, not late
    s.push(500, 5) // the data's own gap closes it
    s.flush()
    expect(s.w.lateCount).toBe(0)
    expect(s.out.map(brief)).toEqual([
      [0, 0, 1, 1, 1],
      [0, 50, 2, 1, 3],
      [500, 500, 1, 5, 5],
    ])
  })

  it('does not emit again a session that advance() emitted and no sample changed', () => {
    const s = session(100, 10_000)
    s.push(0, 1)
    s.advance(5000)
    s.push(9000, 2)
    s.flush()
    expect(s.out.map((a) => a.start)).toEqual([0, 9000])
  })

  it('rejects an event time beyond ±2^52 ms', () => {
    const s = session(100, 10_000)
    s.push(1e19, 1)
    s.push(0, 2)
    s.flush()
    expect(s.w.rejectedCount).toBe(1)
    expect(s.out.map(brief)).toEqual([[0, 0, 1, 2, 2]])
  })
})
