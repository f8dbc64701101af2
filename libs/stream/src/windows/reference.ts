/**
 * @module windows/reference
 * Naive window operators that recompute every window from scratch over the samples they kept: O(window) per
 * emission and unbounded memory. They follow the documented semantics of the real operators line by line and
 * share none of their code, so the property tests can check the real operators against them. Not exported
 * from the package.
 */
import type { Sample } from '../sample.js'
import { batchStats } from '../stats/batch-stats.js'
import type { WindowAggregate } from './aggregate.js'
import { windowKind, type WindowSpec } from './spec.js'

/** Batch aggregate of `samples` (arrival order), with first/last either by arrival or by event time. */
export function referenceAggregate(
  window: string,
  spec: WindowSpec,
  samples: readonly Sample[],
  order: 'arrival' | 'time',
  bounds: { start: number; end: number } | undefined,
  late: number,
): WindowAggregate {
  const stats = batchStats(samples.map((s) => s.value))
  let first = samples[0]!
  let last = samples[0]!
  let ingestMax = -Infinity
  for (const s of samples) {
    if (order === 'arrival') last = s
    else {
      if (s.t < first.t) first = s
      if (s.t >= last.t) last = s
    }
    ingestMax = Math.max(ingestMax, s.ingest)
  }
  return {
    window,
    kind: windowKind(spec),
    start: bounds?.start ?? first.t,
    end: bounds?.end ?? last.t,
    count: stats.count,
    mean: stats.mean,
    std: stats.std,
    min: stats.min,
    max: stats.max,
    first: first.value,
    last: last.value,
    seqFrom: first.seq,
    seqTo: last.seq,
    late,
    ingestMax,
  }
}

/** Feeds `samples` to a naive operator for `spec`, then flushes; returns every aggregate in order. */
export function referenceWindows(
  name: string,
  spec: WindowSpec,
  samples: readonly Sample[],
): WindowAggregate[] {
  const out: WindowAggregate[] = []
  // Non-finite values (and, outside count windows, event times) are rejected before anything else.
  samples = samples.filter(
    (s) => Number.isFinite(s.value) && (spec.type === 'count' || Number.isFinite(s.t)),
  )
  switch (spec.type) {
    case 'count': {
      let sinceEmit = 0
      for (let i = 1; i <= samples.length; i++) {
        sinceEmit++
        if (i >= spec.size && (i - spec.size) % spec.stride === 0) {
          out.push(
            referenceAggregate(
              name,
              spec,
              samples.slice(i - spec.size, i),
              'arrival',
              undefined,
              0,
            ),
          )
          sinceEmit = 0
        }
      }
      if (sinceEmit > 0) {
        // Tumbling: the partial window of the samples not yet emitted; otherwise the last ≤ size samples.
        const keep = spec.stride === spec.size ? sinceEmit : spec.size
        const from = Math.max(0, samples.length - keep)
        out.push(referenceAggregate(name, spec, samples.slice(from), 'arrival', undefined, 0))
      }
      return out
    }
    case 'time': {
      const { length, every, allowedLateness } = spec
      const accepted: Sample[] = []
      let maxT = -Infinity
      let late = 0
      const inWindow = (w: number) =>
        accepted.filter((s) => s.t >= w * every && s.t < w * every + length)
      const emitWindow = (w: number) => {
        const members = inWindow(w)
        if (members.length === 0) return
        const bounds = { start: w * every, end: w * every + length }
        out.push(referenceAggregate(name, spec, members, 'time', bounds, late))
      }
      // Windows that contain at least one accepted sample, ascending.
      const windowsWithData = () => {
        const ws = new Set<number>()
        for (const s of accepted) {
          for (let w = Math.floor(s.t / every); w * every + length > s.t; w--) ws.add(w)
        }
        return [...ws].sort((a, b) => a - b)
      }
      for (const s of samples) {
        if (accepted.length > 0 && s.t < maxT - allowedLateness) {
          late++
          continue
        }
        if (s.t > maxT) {
          // Fire every window whose end is in (old maxT, t], in order.
          for (const w of windowsWithData()) {
            const end = w * every + length
            if (end > maxT && end <= s.t) emitWindow(w)
          }
          maxT = s.t
        }
        accepted.push(s)
        // Re-emit (or emit for the first time) every window containing s whose end has passed.
        for (let w = Math.floor((s.t - length) / every) + 1; w * every <= s.t; w++) {
          if (w * every + length <= maxT) emitWindow(w)
        }
      }
      for (const w of windowsWithData()) {
        if (w * every + length > maxT) emitWindow(w)
      }
      return out
    }
    case 'session': {
      let session: Sample[] = []
      let late = 0
      const close = () => {
        out.push(referenceAggregate(name, spec, session, 'time', undefined, late))
        session = []
      }
      for (const s of samples) {
        if (session.length > 0) {
          const start = Math.min(...session.map((x) => x.t))
          const end = Math.max(...session.map((x) => x.t))
          if (s.t < start) {
            late++
            continue
          }
          if (s.t - end >= spec.gap || s.t - start >= spec.maxDuration) close()
        }
        session.push(s)
      }
      if (session.length > 0) close()
      return out
    }
  }
}

/**
 * Describes the first difference between two aggregate lists, or returns undefined when they match: exact
 * equality (0 = −0, NaN = NaN) for everything but `mean` and `std`, which may differ by rounding (a relative tolerance, with a
 * floor proportional to the window's magnitude for values near zero).
 */
export function aggregatesMismatch(
  actual: readonly WindowAggregate[],
  expected: readonly WindowAggregate[],
  relTol = 1e-9,
): string | undefined {
  if (actual.length !== expected.length) {
    return `expected ${expected.length} aggregates, got ${actual.length}`
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!
    const e = expected[i]!
    const scale = Math.max(Math.abs(e.min), Math.abs(e.max))
    for (const key of Object.keys(e) as (keyof WindowAggregate)[]) {
      const av = a[key]
      const ev = e[key]
      if (key === 'mean' || key === 'std') {
        const tol = relTol * Math.max(Math.abs(ev as number), 1e-6 * scale, 1e-12)
        if (!(Math.abs((av as number) - (ev as number)) <= tol)) {
          return `aggregate ${i}: ${key} ${String(av)} ≠ ${String(ev)} (±${tol})`
        }
      } else if (av !== ev && !(Number.isNaN(av) && Number.isNaN(ev))) {
        return `aggregate ${i}: ${key} ${String(av)} ≠ ${String(ev)}\n got ${JSON.stringify(a)}\nwant ${JSON.stringify(e)}`
      }
    }
  }
  return undefined
}
