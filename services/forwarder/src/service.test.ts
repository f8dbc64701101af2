import type { HandleBatch } from '@sluice/mesh'
import { describe, expect, it } from 'vitest'
import { offerToSinks, type OfferedSink } from './service.js'
import { createSinkCommits } from './sink-commit.js'
import type { ForwardItem } from './sinks/sink.js'

const item = (topic: string): ForwardItem => ({ kind: 'window', topic, payload: topic })

/** A sink that takes topics starting with `start`, and records each offer. */
function sink(name: string, start: string): OfferedSink & { offers: string[][] } {
  const offers: string[][] = []
  return {
    offers,
    selects: (topic) => topic.startsWith(start),
    hop: { name, offer: (items) => void offers.push(items.map((i) => i.topic)) },
  }
}

/** A batch as the inbound hop hands it, counting what is dropped. */
function batch(confirming: boolean): HandleBatch & { dropped: Record<string, number> } {
  const dropped: Record<string, number> = {}
  return {
    confirming,
    dropped,
    ackAfter: () => undefined,
    drop: (reason, n) => void (dropped[reason] = (dropped[reason] ?? 0) + n),
  }
}

describe('offerToSinks', () => {
  it('spools the batches of one turn with one offer per sink, and counts items no sink takes as handover', async () => {
    const a = sink('a', 'w/')
    const b = sink('b', 'w/x')
    const commits = createSinkCommits<ForwardItem>()
    const all = { takes: () => true }
    const first = batch(false)
    offerToSinks([a, b], all, commits, [item('w/x1'), item('z/1')], first)
    offerToSinks([a, b], all, commits, [item('w/2')], batch(false))
    expect(first.dropped).toEqual({ handover: 1 })
    expect(a.offers).toEqual([])
    await new Promise((r) => setImmediate(r))
    expect(a.offers).toEqual([['w/x1', 'w/2']])
    expect(b.offers).toEqual([['w/x1']])
  })

  it("spools a confirming batch's items before it returns (the PUBACK follows), after those waiting", () => {
    const a = sink('a', 'w/')
    const commits = createSinkCommits<ForwardItem>(() => undefined)
    const all = { takes: () => true }
    offerToSinks([a], all, commits, [item('w/1')], batch(false))
    expect(a.offers).toEqual([])
    offerToSinks([a], all, commits, [item('w/2')], batch(true))
    expect(a.offers).toEqual([['w/1', 'w/2']])
  })

  it('offers nothing to a sink this instance does not take', async () => {
    const a = sink('a', 'w/')
    const commits = createSinkCommits<ForwardItem>()
    const b1 = batch(false)
    offerToSinks([a], { takes: () => false }, commits, [item('w/1')], b1)
    await new Promise((r) => setImmediate(r))
    expect(a.offers).toEqual([])
    expect(b1.dropped).toEqual({ handover: 1 })
  })
})
