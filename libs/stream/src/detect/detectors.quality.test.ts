/**
 * Quality of the built-in detectors on synthetic streams (seeded, so every run sees the same numbers):
 * Gaussian noise (mean 100, σ 5) with injected spikes, a level shift and a slow drift. Each injected anomaly
 * must be found by the detectors meant for it within a stated delay, and the alert rate on clean noise must
 * stay under a stated bound. Measured values (seed and code as committed) are noted next to each bound.
 */
import { describe, expect, it } from 'vitest'
import { createPrng } from '../sim/prng.js'
import { createDebouncer, type DebouncedEvent } from './debounce.js'
import { isAlert } from './levels.js'
import { createDetector, type DetectorName } from './registry.js'
import type { Detection } from './types.js'

/** The detectors this file is about (other registered detectors have their own quality tests). */
const BUILT_IN = ['zscore', 'mad', 'ewma', 'cusum'] as const
type BuiltIn = (typeof BUILT_IN)[number]

const SIGMA = 5
const N = 3000
const ONSET = 1500

function noisy(seed: number, length: number, inject: (i: number) => number): number[] {
  const prng = createPrng(seed)
  return Array.from({ length }, (_, i) => 100 + SIGMA * prng.gaussian() + inject(i))
}

interface Step {
  readonly i: number
  readonly detection: Detection
  readonly event: DebouncedEvent | undefined
}

function run(name: DetectorName, values: readonly number[]): Step[] {
  const detector = createDetector({ name })
  const debouncer = createDebouncer({ holdoffSamples: 50 })
  return values.map((value, i) => {
    const detection = detector.update(i, value)
    return { i, detection, event: debouncer.push(i, detection) }
  })
}

/** Samples from `from` to the first alert at or after it, or Infinity. */
function delayFrom(steps: readonly Step[], from: number): number {
  const hit = steps.find((s) => s.i >= from && isAlert(s.detection))
  return hit ? hit.i - from : Number.POSITIVE_INFINITY
}

const spikeAt = [600, 1100, 1700, 2300]
// ±8σ, alternating sign.
const spikes = noisy(1, N, (i) => (spikeAt.includes(i) ? (i % 200 === 0 ? 8 : -8) * SIGMA : 0))
const shift = noisy(2, N, (i) => (i >= ONSET ? 2 * SIGMA : 0))
const smallShift = noisy(5, N, (i) => (i >= ONSET ? SIGMA : 0))
// 0.02σ per sample: after 100 samples the level is 2σ off.
const drift = noisy(3, N, (i) => (i >= ONSET ? 0.02 * SIGMA * (i - ONSET) : 0))
const clean = noisy(4, 20_000, () => 0)

describe('detectors on synthetic streams', () => {
  it.each(['zscore', 'mad', 'ewma'] as const)(
    '%s flags every injected 8σ spike at once, as a spike',
    (name) => {
      const steps = run(name, spikes)
      for (const at of spikeAt) {
        const { detection } = steps[at]!
        expect(isAlert(detection), `${name} at ${at}`).toBe(true)
        expect(detection.level).toBe('very-unusual')
        expect(detection.kind).toBe('spike')
      }
    },
  )

  it('finds a 2σ level shift within 10 samples with cusum and ewma, and cusum calls it a shift', () => {
    // Measured: cusum 3, ewma 3.
    const cusum = run('cusum', shift)
    expect(delayFrom(cusum, ONSET)).toBeLessThanOrEqual(10)
    expect(cusum.find((s) => s.i >= ONSET && isAlert(s.detection))!.detection.kind).toBe('shift')
    expect(delayFrom(run('ewma', shift), ONSET)).toBeLessThanOrEqual(10)
  })

  it('reports one debounced cusum event for one level shift', () => {
    const events = run('cusum', shift).filter((s) => s.i >= ONSET && s.i < ONSET + 300 && s.event)
    expect(events).toHaveLength(1)
    expect(events[0]!.event!.reason).toBe('start')
  })

  it('finds a 1σ level shift within 25 samples with cusum', () => {
    // Measured: 6 (ARL for a 1σ shift with k = 0.5, h = 5 is about 10; Montgomery Table 9.3).
    expect(delayFrom(run('cusum', smallShift), ONSET)).toBeLessThanOrEqual(25)
  })

  it('finds a 0.02σ/sample drift within 100 samples and cusum calls its repeated alarms a drift', () => {
    // Measured: cusum 49, ewma 45.
    const cusum = run('cusum', drift)
    expect(delayFrom(cusum, ONSET)).toBeLessThanOrEqual(100)
    expect(delayFrom(run('ewma', drift), ONSET)).toBeLessThanOrEqual(100)
    const kinds = cusum
      .filter((s) => s.i >= ONSET && isAlert(s.detection))
      .map((s) => s.detection.kind)
    expect(kinds.filter((k) => k === 'drift').length).toBeGreaterThanOrEqual(3)
  })

  it('keeps the alert and event rates on 20 000 clean samples under the stated bounds', () => {
    // Per-sample alert rate bounds, with the rate measured on this seed. A point detector at |z| > 2.5 must
    // alert on about 1.24% of Gaussian samples (two-sided tail); estimating mean and scale from a window
    // adds to it, the MAD's scale more than the std's, and EWMA alerts on the larger of two statistics.
    // CUSUM's bound is its in-control average run length: about 465 samples with known parameters.
    const bounds: Record<BuiltIn, number> = {
      zscore: 0.02, // measured 0.0149
      mad: 0.025, // measured 0.0179
      ewma: 0.03, // measured 0.0234
      cusum: 1 / 250, // measured 0.0023 (46 alarms, run length ≈ 435)
    }
    // Debounced events (hold-off 50 samples) per 1000 clean samples, with the measured value. The point
    // detectors' false alerts at 2.5 come about every 70 samples, so many merge into one event.
    const eventBounds: Record<BuiltIn, number> = {
      zscore: 10, // measured 7.75
      mad: 10, // measured 7.65
      ewma: 15, // measured 11.55
      cusum: 3, // measured 2.1
    }
    const measured: Partial<Record<BuiltIn, number>> = {}
    for (const name of BUILT_IN) {
      const steps = run(name, clean)
      measured[name] = steps.filter((s) => isAlert(s.detection)).length / clean.length
      expect(measured[name], name).toBeLessThan(bounds[name])
      const eventsPer1000 = (steps.filter((x) => x.event).length / clean.length) * 1000
      expect(eventsPer1000, name).toBeLessThan(eventBounds[name])
    }
  })
})
