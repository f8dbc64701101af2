import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfig, MeshConfigError } from '@sluice/mesh'
import { AnomalyConfigSchema } from './config.js'

function load(overrides: Record<string, unknown>, argv: readonly string[] = []) {
  return loadConfig({ schema: AnomalyConfigSchema, service: 'anomaly', overrides, argv })
}

function problems(overrides: Record<string, unknown>, argv: readonly string[] = []): string {
  try {
    load(overrides, argv)
  } catch (err) {
    expect(err).toBeInstanceOf(MeshConfigError)
    return (err as Error).message
  }
  throw new Error('the config was accepted')
}

describe('anomaly config', () => {
  it('accepts every detector option the registry declares', () => {
    const config = load({
      detector: { name: 'mad', window: 60, thresholds: { alert: 4 }, learnSamples: 10 },
      sensors: { 'pump/temp': { name: 'cusum', k: 0.5, h: 4 } },
    })
    expect(config.detector).toEqual({
      name: 'mad',
      window: 60,
      thresholds: { alert: 4 },
      learnSamples: 10,
    })
    expect(config.sensors['pump/temp']).toEqual({ name: 'cusum', k: 0.5, h: 4 })
  })

  it('loads the example config in deploy/', () => {
    const file = fileURLToPath(new URL('../../../deploy/config/anomaly.yaml', import.meta.url))
    const config = loadConfig({ schema: AnomalyConfigSchema, service: 'anomaly', file })
    expect(config.detector?.name).toBe('zscore')
  })

  it('converts detector options given as flags', () => {
    const config = load({}, ['--detector.name', 'zscore', '--detector.window', '30'])
    expect(config.detector).toEqual({ name: 'zscore', window: 30 })
  })

  it('refuses an unknown detector option, naming it, the detector and its options', () => {
    const message = problems({ detector: { name: 'zscore', windw: 100 } })
    expect(message).toMatch(
      /detector\.windw: unknown option of detector zscore; known: .*\bwindow\b/,
    )
  })

  it('refuses an unknown option of a per-sensor detector', () => {
    const message = problems({ sensors: { 'pump/temp': { name: 'cusum', window: 100 } } })
    expect(message).toMatch(
      /sensors\.pump\/temp\.window: unknown option of detector cusum; known: name, thresholds, minStd, k, h, /,
    )
  })

  it('refuses an unknown detector name, listing the registered ones', () => {
    const message = problems({ detector: { name: 'prophet' } })
    expect(message).toMatch(/detector\.name: expected one of "zscore", "mad", "ewma", "cusum"/)
  })

  it('lists every problem at once', () => {
    const message = problems({
      detector: { name: 'mad', windw: 1, sustian: 2 },
      sensors: { 'a/b': { name: 'ewma', alpha: 'fast' } },
    })
    expect(message).toContain('3 problems')
    expect(message).toContain('detector.windw')
    expect(message).toContain('detector.sustian')
    expect(message).toContain('sensors.a/b.alpha')
  })
})
