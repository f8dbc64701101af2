import { describe, expect, it } from 'vitest'
import { DetectErrorCode, StreamError } from '../errors.js'
import {
  createDetector,
  detectorNames,
  detectorOptionSchemas,
  isDetectorName,
  type DetectorSpec,
} from './registry.js'
import { isAlert } from './levels.js'

describe('detector registry', () => {
  it('lists the built-in detectors first, in registration order', () => {
    expect(detectorNames.slice(0, 4)).toEqual(['zscore', 'mad', 'ewma', 'cusum'])
    for (const name of detectorNames) expect(isDetectorName(name)).toBe(true)
  })

  it('builds every registered detector by name alone', () => {
    for (const name of detectorNames) {
      const d = createDetector({ name }).update(0, 1)
      expect(d.likelihood).toBeGreaterThanOrEqual(0)
      expect(d.likelihood).toBeLessThanOrEqual(1)
    }
  })

  it.each(['zscore', 'mad', 'ewma', 'cusum'] as const)(
    'builds %s by name with defaults',
    (name) => {
      const detector = createDetector({ name })
      expect(detector.name).toBe(name)
      const d = detector.update(0, 1)
      expect(d.score).toBe(0)
      expect(d.level).toBe('normal')
    },
  )

  it('passes the options through', () => {
    const detector = createDetector({ name: 'zscore', minSamples: 2, window: 2 })
    detector.update(0, 1)
    detector.update(1, 3)
    expect(detector.update(2, 10).score).toBe(8)
  })

  it('builds independent instances (one per sensor)', () => {
    const a = createDetector({ name: 'zscore', minSamples: 2 })
    const b = createDetector({ name: 'zscore', minSamples: 2 })
    a.update(0, 1)
    a.update(1, 3)
    expect(b.update(0, 100).score).toBe(0)
  })

  it('refuses an unknown name from an untyped config with a coded error', () => {
    const spec = JSON.parse('{"name":"prophet"}') as DetectorSpec
    expect(isDetectorName('prophet')).toBe(false)
    expect(isDetectorName('toString')).toBe(false)
    expect(() => createDetector(spec)).toThrow(StreamError)
    expect(() => createDetector(spec)).toThrow(
      expect.objectContaining({ code: DetectErrorCode.UnknownDetector }) as Error,
    )
  })

  it('refuses out-of-range options with a coded error', () => {
    expect(() => createDetector({ name: 'ewma', alpha: 2 })).toThrow(
      expect.objectContaining({ code: DetectErrorCode.InvalidOptions }) as Error,
    )
  })

  it('declares the options of every detector, the learning options included', () => {
    for (const name of detectorNames) {
      const options = detectorOptionSchemas(name)
      expect(options).toHaveProperty('learnSamples')
      expect(options).toHaveProperty('learnMs')
      expect(options).toHaveProperty('minSamples')
    }
    expect(Object.keys(detectorOptionSchemas('zscore'))).toContain('window')
    expect(detectorOptionSchemas('zscore').stepFloor?.type).toBe('boolean')
    expect(Object.keys(detectorOptionSchemas('cusum'))).not.toContain('window')
  })

  it('refuses an option the detector does not declare, naming it and the valid ones', () => {
    const spec = JSON.parse('{"name":"zscore","windw":60}') as DetectorSpec
    expect(() => createDetector(spec)).toThrow(
      expect.objectContaining({ code: DetectErrorCode.InvalidOptions }) as Error,
    )
    expect(() => createDetector(spec)).toThrow(
      /"windw" of detector zscore: its options are .*window/,
    )
  })
})

describe('observe and last (the fast path, issue 16)', () => {
  /**
   * A signal that walks every branch: a learning phase, a non-finite value, spikes, a held shift (an
   * episode's worth of alerts) and a cycle for the seasonal residual of the default zscore.
   */
  function signal(): number[] {
    const xs: number[] = []
    let seed = 7
    const noise = () => {
      seed = (seed * 16807) % 2147483647
      return seed / 2147483647 - 0.5
    }
    for (let i = 0; i < 3000; i++) {
      let x = 100 + 20 * Math.sin((2 * Math.PI * i) / 97) + 4 * noise()
      if (i % 411 === 300) x += 80
      if (i >= 2000 && i < 2300) x += 35
      xs.push(i === 150 || i === 1200 ? Number.NaN : x)
    }
    return xs
  }
  const specs: DetectorSpec[] = [
    ...detectorNames.map((name) => ({ name, learnSamples: 60, learnMs: 0 })),
    { name: 'zscore', seasonal: true, level: true, stepFloor: true, learnSamples: 60, learnMs: 0 },
  ]

  it.each(specs.map((s) => [JSON.stringify(s), s] as const))(
    '%s: observe says alert exactly when update does, and last is what update returns',
    (_, spec) => {
      const byUpdate = createDetector(spec)
      const byObserve = createDetector(spec)
      let alerts = 0
      let learning = 0
      signal().forEach((x, i) => {
        const d = byUpdate.update(i * 10, x)
        const alert = byObserve.observe(i * 10, x)
        expect(byObserve.last()).toEqual(d)
        expect(alert).toBe(d.learning !== true && isAlert(d))
        if (alert) alerts++
        if (d.learning === true) learning++
      })
      // The signal reaches both answers: the comparison above is not vacuous.
      expect(learning).toBeGreaterThan(0)
      if (spec.name === 'zscore') expect(alerts).toBeGreaterThan(10)
    },
  )
})
