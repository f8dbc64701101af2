/**
 * Property tests (DESIGN.md §7): on random streams and random window parameters, every window operator
 * emits exactly what a naive batch recomputation over the same samples emits (reference.ts), with means and
 * standard deviations equal up to rounding.
 */
import { describe, expect, it } from 'vitest'
import type { Sample } from '../sample.js'
import { createWindow } from './create-window.js'
import type { WindowAggregate } from './aggregate.js'
import { aggregatesMismatch, referenceWindows } from './reference.js'
import type { WindowSpec } from './spec.js'
import fc from 'fast-check'

export interface StreamOptions {
  readonly maxLength?: number
  /** Largest amount (ms) by which a sample's event time may lag the previous one; 0 keeps event time in order. */
  readonly maxDisorder?: number
  /** Largest step (ms) between consecutive event times. */
  readonly maxStep?: number
}

const valueArb = fc.oneof(
  {
    weight: 40,
    arbitrary: fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }),
  },
  { weight: 20, arbitrary: fc.constantFrom(0, 1, -1, 42.5) },
  { weight: 10, arbitrary: fc.double({ min: 1e6, max: 1e6 + 1, noNaN: true }) },
  { weight: 10, arbitrary: fc.constantFrom(1e9, -1e9) },
  { weight: 10, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
)

/** A random stream of samples with increasing `seq`. */
export function sampleStream(options: StreamOptions = {}): fc.Arbitrary<Sample[]> {
  const { maxLength = 300, maxDisorder = 0, maxStep = 50 } = options
  const stepArb = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: maxStep }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: maxStep * 40 }) },
  )
  return fc
    .record({
      t0: fc.integer({ min: -1_000, max: 1_000_000 }),
      points: fc.array(
        fc.record({
          value: valueArb,
          step: stepArb,
          fraction: fc.constantFrom(0, 0, 0.25, 0.5),
          lag:
            maxDisorder > 0
              ? fc.oneof(fc.constant(0), fc.integer({ min: 0, max: maxDisorder }))
              : fc.constant(0),
          wait: fc.integer({ min: 0, max: 3 }),
          badTime: fc.oneof(
            { weight: 200, arbitrary: fc.constant(false) },
            { weight: 1, arbitrary: fc.constant(true) },
          ),
        }),
        { maxLength, size: 'max' },
      ),
    })
    .map(({ t0, points }) => {
      let clock = t0
      return points.map((p, i) => {
        clock += p.step
        const t = p.badTime ? NaN : clock - p.lag + p.fraction
        return { seq: i, t, value: p.value, ingest: clock + p.wait }
      })
    })
}

function run(spec: WindowSpec, samples: readonly Sample[]): WindowAggregate[] {
  const out: WindowAggregate[] = []
  const emit = (a: WindowAggregate) => out.push(a)
  const op = createWindow('w', spec)
  for (const s of samples) op.push(s, emit)
  op.flush(emit)
  return out
}

function check(spec: WindowSpec, samples: readonly Sample[]): void {
  const mismatch = aggregatesMismatch(run(spec, samples), referenceWindows('w', spec, samples))
  expect(mismatch, JSON.stringify(spec)).toBeUndefined()
}

const NUM_RUNS = 300

describe('count windows', () => {
  it('equal a batch recomputation for any size and stride', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 60 })
          .chain((size) =>
            fc.record({ size: fc.constant(size), stride: fc.integer({ min: 1, max: size }) }),
          ),
        sampleStream({ maxDisorder: 30 }),
        ({ size, stride }, samples) => check({ type: 'count', size, stride }, samples),
      ),
      { numRuns: NUM_RUNS },
    )
  })
})

const timeSpecArb = fc
  .record({
    every: fc.integer({ min: 1, max: 200 }),
    factor: fc.integer({ min: 1, max: 8 }),
    extra: fc.integer({ min: 0, max: 150 }),
  })
  .chain(({ every, factor, extra }) =>
    fc.record({
      type: fc.constant('time' as const),
      every: fc.constant(every),
      // Mostly multiples of every (panes of `every`), sometimes not (small panes).
      length: fc.oneof(fc.constant(every * factor), fc.constant(every * factor + extra)),
      allowedLateness: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 400 }),
        fc.double({ min: 0, max: 400, noNaN: true }),
      ),
    }),
  )

describe('time windows', () => {
  it('equal a batch recomputation on in-order streams', () => {
    fc.assert(
      fc.property(timeSpecArb, sampleStream(), (spec, samples) => check(spec, samples)),
      { numRuns: NUM_RUNS },
    )
  })

  it('equal a batch recomputation with out-of-order and late samples', () => {
    fc.assert(
      fc.property(timeSpecArb, sampleStream({ maxDisorder: 500 }), (spec, samples) =>
        check(spec, samples),
      ),
      { numRuns: NUM_RUNS * 2 },
    )
  })
})

describe('session windows', () => {
  it('equal a batch recomputation for any gap and maxDuration', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.constant('session' as const),
          gap: fc.integer({ min: 1, max: 300 }),
          maxDuration: fc.integer({ min: 1, max: 3000 }),
        }),
        sampleStream({ maxDisorder: 100 }),
        (spec, samples) => check(spec, samples),
      ),
      { numRuns: NUM_RUNS },
    )
  })
})
