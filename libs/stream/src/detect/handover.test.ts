/**
 * Handover property tests (DESIGN.md §12, issue 13): every registered detector (model and learning gate),
 * the episode tracker and the multivariate detector, cut at a random point of a random stream, sent through
 * JSON and restored into a fresh instance, give after the cut exactly what the uninterrupted instance gives:
 * the same scores, levels, kinds and episode events. And a state that does not fit is refused.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DetectErrorCode } from '../errors.js'
import { decodeState, encodeState } from '../state/json-state.js'
import { createEpisodeTracker, type EpisodeEvent, type EpisodeTracker } from './episodes.js'
import { createMultivariateDetector } from './multivariate.js'
import { createDetector, detectorNames, type DetectorSpec, type GatedDetector } from './registry.js'
import type { Detection } from './types.js'

interface Point {
  readonly t: number
  readonly value: number
}

/** A noisy level with shifts, spikes, flat quantised stretches, ramps and the odd non-finite value. */
const streamArb: fc.Arbitrary<Point[]> = fc
  .array(
    fc.record({
      noise: fc.double({ min: -1, max: 1, noNaN: true }),
      event: fc.oneof(
        { weight: 40, arbitrary: fc.constant('none' as const) },
        { weight: 3, arbitrary: fc.constant('shift' as const) },
        { weight: 2, arbitrary: fc.constant('spike' as const) },
        { weight: 1, arbitrary: fc.constant('ramp' as const) },
        { weight: 1, arbitrary: fc.constant('bad' as const) },
      ),
      size: fc.double({ min: 3, max: 30, noNaN: true }),
      dt: fc.constantFrom(1000, 1000, 1000, 500, 60_000),
    }),
    { minLength: 1, maxLength: 400, size: 'max' },
  )
  .chain((raw) =>
    fc
      .record({ quantised: fc.boolean(), noise: fc.constantFrom(0, 0.2, 2) })
      .map(({ quantised, noise }) => {
        let level = 100
        let slope = 0
        let t = 1_700_000_000_000
        return raw.map((p): Point => {
          t += p.dt
          if (p.event === 'shift') level += p.size * (p.noise < -0.8 ? -1 : 1)
          if (p.event === 'ramp') slope = slope === 0 ? p.size / 50 : 0
          level += slope
          let value = level + p.noise * noise + (p.event === 'spike' ? p.size * 3 : 0)
          if (quantised) value = Math.round(value)
          if (p.event === 'bad') value = Number.NaN
          return { t, value }
        })
      }),
  )

/** A spec of each registered detector with short learning and windows, so states are rich early. */
const specArb: fc.Arbitrary<DetectorSpec> = fc
  .record({
    name: fc.constantFrom(...detectorNames),
    learnSamples: fc.integer({ min: 0, max: 80 }),
    learnMs: fc.constantFrom(0, 30_000),
    window: fc.integer({ min: 2, max: 40 }),
    minSamples: fc.integer({ min: 2, max: 30 }),
    flag: fc.boolean(),
  })
  .map(({ name, learnSamples, learnMs, window, minSamples, flag }): DetectorSpec => {
    const learn = { learnSamples, learnMs }
    switch (name) {
      case 'zscore':
        return { name, ...learn, window, minSamples, stepFloor: flag, seasonal: flag, level: flag }
      case 'mad':
        return { name, ...learn, window, minSamples }
      case 'ewma':
        return { name, ...learn, minSamples, alpha: flag ? 0.1 : 0.02 }
      case 'cusum':
        return { name, ...learn, minSamples, rebaseline: 5, memory: window + 1 }
      case 'novelty':
        return {
          name,
          ...learn,
          minSamples: minSamples - 1,
          phases: flag ? 8 : 0,
          period: 3_600_000,
        }
    }
  })

/** JSON over the wire, as the handover sends it. */
const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T

/** What a sensor publishes: each point's detection and the episode event it causes. */
function feed(det: GatedDetector, episodes: EpisodeTracker, points: readonly Point[]) {
  return points.map((p) => {
    const d = det.update(p.t, p.value)
    return { d, learning: det.learning, event: episodes.push(p.t, d, ['x']) }
  })
}

describe('detector handover', () => {
  it('resumes every registered detector and its episodes exactly where the old owner stopped', () => {
    fc.assert(
      fc.property(
        specArb,
        streamArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (spec, points, at) => {
          const cut = Math.floor(at * points.length)
          const whole = createDetector(spec)
          const wholeEpisodes = createEpisodeTracker({ holdoffSamples: 3 })
          feed(whole, wholeEpisodes, points.slice(0, cut))
          const old = createDetector(spec)
          const oldEpisodes = createEpisodeTracker({ holdoffSamples: 3 })
          feed(old, oldEpisodes, points.slice(0, cut))

          const next = createDetector(spec)
          next.restore(wire(old.snapshot()))
          const nextEpisodes = createEpisodeTracker({ holdoffSamples: 3 })
          nextEpisodes.restore(decodeState(wire(encodeState(oldEpisodes.snapshot()))) as never)

          const rest = points.slice(cut)
          expect(feed(next, nextEpisodes, rest)).toEqual(feed(whole, wholeEpisodes, rest))
          // Nothing unseen so far differs either (a treap's shape, a pending recomputation).
          expect(wire(next.snapshot())).toEqual(wire(whole.snapshot()))
          expect(nextEpisodes.snapshot()).toEqual(wholeEpisodes.snapshot())
        },
      ),
      { numRuns: 500 },
    )
  })

  it('is not learning again after a handover once it had finished learning', () => {
    const spec: DetectorSpec = { name: 'zscore', learnSamples: 5 }
    const a = createDetector(spec)
    for (let i = 0; i < 5; i++) a.update(i * 1000, i)
    expect(a.learning).toBe(false)
    const b = createDetector(spec)
    expect(b.learning).toBe(true)
    b.restore(wire(a.snapshot()))
    expect(b.learning).toBe(false)
  })

  it('gives a snapshot that JSON keeps unchanged', () => {
    for (const name of detectorNames) {
      const d = createDetector({ name })
      for (let i = 0; i < 30; i++) d.update(i * 1000, i % 3)
      const state = d.snapshot()
      expect(wire(state), name).toEqual(state)
    }
  })

  const filled = (spec: DetectorSpec): GatedDetector => {
    const d = createDetector(spec)
    for (let i = 0; i < 40; i++) d.update(i * 1000, (i * 7) % 5)
    return d
  }
  it.each([
    ['another detector', () => filled({ name: 'mad' }).snapshot(), 'state.detector'],
    ['other options', () => filled({ name: 'zscore', window: 10 }).snapshot(), 'state.spec'],
    [
      'another version',
      () => ({ ...(filled({ name: 'zscore' }).snapshot() as object), v: 9 }),
      'state.v',
    ],
    [
      'a malformed model',
      () => {
        const s = filled({ name: 'zscore' }).snapshot() as { model: { moments: object } }
        return { ...s, model: { ...s.model, moments: { ...s.model.moments, ring: [1, 2] } } }
      },
      'state.model.moments.ring',
    ],
    [
      'a malformed gate',
      () => ({ ...(filled({ name: 'zscore' }).snapshot() as object), gate: 1 }),
      'state.gate',
    ],
    ['not an object', () => 'zscore', 'state is not an object'],
  ])(
    'refuses a state of %s with SLUICE_ERR_DETECT_INVALID_STATE and stays unchanged',
    (_, state, path) => {
      const d = filled({ name: 'zscore' })
      const before = JSON.stringify(d.snapshot())
      expect(() => {
        d.restore(state())
      }).toThrow(
        expect.objectContaining({
          code: DetectErrorCode.InvalidState,
          message: expect.stringContaining(path) as unknown,
        }) as Error,
      )
      expect(JSON.stringify(d.snapshot())).toBe(before)
    },
  )

  it('refuses a malformed episode state', () => {
    const e = createEpisodeTracker()
    expect(() => {
      e.restore({ episodes: 1, open: { kind: 'nope' } } as never)
    }).toThrow(expect.objectContaining({ code: DetectErrorCode.InvalidState }) as Error)
  })
})

/** Rows of `d` channels that follow one hidden load, with a relation that sometimes breaks. */
const rowsArb = (d: number): fc.Arbitrary<{ t: number; values: number[] }[]> =>
  fc
    .array(
      fc.record({
        load: fc.double({ min: 0, max: 10, noNaN: true }),
        noise: fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), {
          minLength: d,
          maxLength: d,
        }),
        broken: fc.oneof(
          { weight: 20, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
      }),
      { minLength: 1, maxLength: 300, size: 'max' },
    )
    .map((rows) =>
      rows.map((r, i) => ({
        t: 1000 * i,
        values: r.noise.map((n, c) => (c === 0 && r.broken ? 10 - r.load : r.load * (c + 1)) + n),
      })),
    )

describe('multivariate handover', () => {
  it('resumes exactly where the old owner stopped, episodes included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }).chain((d) =>
          fc.record({
            d: fc.constant(d),
            rows: rowsArb(d),
            at: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
        ),
        fc.integer({ min: 1, max: 4 }),
        ({ d, rows, at }, refresh) => {
          const options = { learnSamples: 30, refresh, alpha: 0.05 }
          const cut = Math.floor(at * rows.length)
          const run = (
            det: ReturnType<typeof createMultivariateDetector>,
            ep: EpisodeTracker,
            part: typeof rows,
          ) =>
            part.map((r) => {
              const x = det.update(r.t, r.values)
              const event: EpisodeEvent | undefined = ep.push(r.t, x, x.top.map(String))
              return {
                x: { ...x, contributions: Array.from(x.contributions) },
                event: event && strip(event),
              }
            })
          const whole = createMultivariateDetector(d, options)
          const wholeEp = createEpisodeTracker({ holdoffSamples: 3 })
          run(whole, wholeEp, rows.slice(0, cut))
          const old = createMultivariateDetector(d, options)
          const oldEp = createEpisodeTracker({ holdoffSamples: 3 })
          run(old, oldEp, rows.slice(0, cut))
          const next = createMultivariateDetector(d, options)
          next.restore(wire(old.snapshot()))
          const nextEp = createEpisodeTracker({ holdoffSamples: 3 })
          nextEp.restore(decodeState(wire(encodeState(oldEp.snapshot()))) as never)
          expect(run(next, nextEp, rows.slice(cut))).toEqual(run(whole, wholeEp, rows.slice(cut)))
          expect(wire(next.snapshot())).toEqual(wire(whole.snapshot()))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses a state of another number of channels or a malformed one', () => {
    const a = createMultivariateDetector(3)
    a.update(0, [1, 2, 3])
    const state = wire(a.snapshot())
    expect(() => {
      createMultivariateDetector(2).restore(state)
    }).toThrow(expect.objectContaining({ code: DetectErrorCode.InvalidState }) as Error)
    expect(() => {
      createMultivariateDetector(3).restore({ ...state, cov: [1] })
    }).toThrow(/state\.cov/)
  })
})

/** An episode event whose peak detection's typed array is compared as plain numbers. */
function strip(e: EpisodeEvent): unknown {
  const d = e.detection as Detection & { contributions?: ArrayLike<number> }
  return { ...e, detection: { ...d, contributions: Array.from(d.contributions ?? []) } }
}
