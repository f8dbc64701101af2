import { describe, expect, it } from 'vitest'
import { DetectErrorCode, StreamError } from '../errors.js'
import {
  createDetector,
  detectorNames,
  detectorOptionSchemas,
  isDetectorName,
  type DetectorSpec,
} from './registry.js'

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
    expect(() => createDetector(spec)).toThrow(/"windw" of detector zscore: its options are .*window/)
  })
})
