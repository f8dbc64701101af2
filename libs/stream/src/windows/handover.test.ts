/**
 * Handover property tests (DESIGN.md §12, issue 13): a window operator cut at a random point of a random
 * stream, its snapshot sent through JSON and restored into a fresh operator, emits after the cut exactly
 * what the uninterrupted operator emits, bit for bit; and a state that does not fit is refused.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StreamErrorCode } from '../errors.js'
import type { Sample } from '../sample.js'
import type { WindowAggregate } from './aggregate.js'
import { createWindow } from './create-window.js'
import type { WindowSpec } from './spec.js'

/** One step of a stream: a sample, or a wall-clock look-ahead for an idle sensor. */
type Step = { readonly sample: Sample } | { readonly advance: number }

const valueArb = fc.oneof(
  { weight: 30, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) },
  { weight: 10, arbitrary: fc.constantFrom(0, -0, 1, 1e9, -1e9, 1e6 + 0.1) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
)

/** Random steps with increasing seq, event times mostly in order, some late, some advances. */
const stepsArb: fc.Arbitrary<Step[]> = fc
  .array(
    fc.record({
      value: valueArb,
      step: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 2000 }) },
      ),
      lag: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 })),
      advance: fc.oneof(
        { weight: 12, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }) },
      ),
    }),
    { minLength: 1, maxLength: 200, size: 'max' },
  )
  .map((points) => {
    let clock = 1_000
    return points.map((p, i): Step => {
      clock += p.step
      if (p.advance !== undefined) return { advance: clock + p.advance }
      return { sample: { seq: i, t: clock - p.lag, value: p.value, ingest: clock + (i % 3) } }
    })
  })

const specArb: fc.Arbitrary<WindowSpec> = fc.oneof(
  fc.integer({ min: 1, max: 40 }).chain((size) =>
    fc.record({
      type: fc.constant('count' as const),
      size: fc.constant(size),
      stride: fc.integer({ min: 1, max: size }),
    }),
  ),
  fc
    .record({ every: fc.integer({ min: 1, max: 200 }), factor: fc.integer({ min: 1, max: 6 }) })
    .chain(({ every, factor }) =>
      fc.record({
        type: fc.constant('time' as const),
        every: fc.constant(every),
        length: fc.constantFrom(every * factor, every * factor + 7),
        allowedLateness: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 })),
      }),
    ),
  fc.record({
    type: fc.constant('session' as const),
    gap: fc.integer({ min: 1, max: 300 }),
    maxDuration: fc.integer({ min: 1, max: 3000 }),
  }),
)

function feed(steps: readonly Step[], op: ReturnType<typeof createWindow>): WindowAggregate[] {
  const out: WindowAggregate[] = []
  const emit = (a: WindowAggregate): void => {
    out.push(a)
  }
  for (const s of steps) {
    if ('sample' in s) op.push(s.sample, emit)
    else op.advance(s.advance, emit)
  }
  return out
}

/** Emits after the cut of an uninterrupted run, and of a run handed over through JSON at the cut. */
function runBoth(spec: WindowSpec, steps: readonly Step[], cut: number) {
  const whole = createWindow('w', spec)
  feed(steps.slice(0, cut), whole)
  const first = createWindow('w', spec)
  feed(steps.slice(0, cut), first)
  const wire = JSON.parse(JSON.stringify(first.snapshot())) as unknown
  const second = createWindow('w', spec)
  second.restore(wire)
  const rest = steps.slice(cut)
  const expected = feed(rest, whole)
  const actual = feed(rest, second)
  const flush = (op: ReturnType<typeof createWindow>): WindowAggregate[] => {
    const out: WindowAggregate[] = []
    op.flush((a) => out.push(a))
    return out
  }
  return {
    expected: {
      aggregates: expected,
      flushed: flush(whole),
      late: whole.lateCount,
      bad: whole.rejectedCount,
    },
    actual: {
      aggregates: actual,
      flushed: flush(second),
      late: second.lateCount,
      bad: second.rejectedCount,
    },
  }
}

describe('window handover', () => {
  it('resumes exactly where the old owner stopped, for every window kind', () => {
    fc.assert(
      fc.property(
        specArb,
        stepsArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (spec, steps, at) => {
          const { expected, actual } = runBoth(spec, steps, Math.floor(at * steps.length))
          expect(actual).toEqual(expected)
        },
      ),
      { numRuns: 600 },
    )
  })

  it('gives a snapshot that survives JSON unchanged and holds non-finite numbers as tags', () => {
    const w = createWindow('w', { type: 'count', size: 4, stride: 2 })
    w.push({ seq: 1, t: 0, value: -0, ingest: 0 }, () => undefined)
    const state = w.snapshot()
    expect(JSON.parse(JSON.stringify(state))).toEqual(state)
    expect(JSON.stringify(state)).toContain('{"$n":"-0"}')
  })

  it('detects a field that is not restored (a sliding window restored without its samples)', () => {
    const spec = { type: 'count', size: 3, stride: 1 } as const
    const a = createWindow('w', spec)
    for (let i = 0; i < 3; i++) a.push({ seq: i, t: i, value: 10 * i, ingest: i }, () => undefined)
    const b = createWindow('w', spec)
    b.restore(a.snapshot())
    const out: number[] = []
    b.push({ seq: 3, t: 3, value: 30, ingest: 3 }, (x) => out.push(x.mean))
    expect(out).toEqual([20])
  })

  it.each([
    [
      'another kind',
      { v: 1, window: 'w', spec: { type: 'session', gap: 1, maxDuration: 2 } },
      'spec.type',
    ],
    ['another size', undefined, 'state.spec.size'],
    ['another name', 'name', 'state.window'],
    ['a missing field', 'rejected', 'state.rejected'],
    ['not an object', 42, 'state is not an object'],
  ])('refuses a state of %s with SLUICE_ERR_WINDOW_INVALID_STATE', (_, bad, mentions) => {
    const spec = { type: 'count', size: 3, stride: 1 } as const
    const a = createWindow('w', spec)
    a.push({ seq: 1, t: 1, value: 1, ingest: 1 }, () => undefined)
    const good = a.snapshot() as Record<string, unknown>
    const state =
      bad === undefined
        ? createWindow('w', { type: 'count', size: 4, stride: 1 }).snapshot()
        : bad === 'name'
          ? createWindow('v', spec).snapshot()
          : bad === 'rejected'
            ? { ...good, rejected: undefined }
            : bad
    const b = createWindow('w', spec)
    const before = JSON.stringify(b.snapshot())
    expect(() => {
      b.restore(state)
    }).toThrow(
      expect.objectContaining({
        code: StreamErrorCode.InvalidWindowState,
        message: expect.stringContaining(mentions) as unknown,
      }) as Error,
    )
    expect(JSON.stringify(b.snapshot())).toBe(before)
  })
})
