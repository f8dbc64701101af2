/**
 * @module config
 * The anomaly service's config (DESIGN.md §8): which detector every sensor gets (by registry name, with its
 * options), per-sensor overrides, and the debouncing that turns alerts into events.
 */
import { Type, type Static } from '@sinclair/typebox'
import { sensorIntakeConfigFields } from '@sluice/mesh'

/** A detector by registry name with its options (checked by the detector's factory at start). */
export const DetectorConfigSchema = Type.Object(
  { name: Type.String({ minLength: 1, description: 'Registered detector name, e.g. zscore.' }) },
  { additionalProperties: true },
)

/** The anomaly service's own settings. */
export const AnomalyConfigSchema = Type.Object({
  // Optional with the default applied by the service: a schema default for an open object would be merged
  // into the user's detector (TypeBox's Value.Default), so { name: 'mad' } would inherit novelty's options.
  detector: Type.Optional(
    Type.Object(
      {
        name: Type.String({
          minLength: 1,
          description: 'Detector name: novelty, zscore, mad, ewma or cusum.',
        }),
      },
      {
        additionalProperties: true,
        description:
          'Detector for every sensor, by registry name with its options (default: DEFAULT_DETECTOR, a ' +
          'rolling z-score over 50 samples alerting above 6σ; novelty, mad, ewma and cusum are available ' +
          'by name).',
      },
    ),
  ),
  sensors: Type.Record(
    Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$' }),
    DetectorConfigSchema,
    {
      default: {},
      description: 'Per-sensor detector overrides, keyed device/channel.',
    },
  ),
  debounce: Type.Object(
    {
      holdoffSamples: Type.Integer({
        minimum: 1,
        default: 20,
        description: 'Non-alerting samples in a row that end an episode.',
      }),
      holdoffMs: Type.Number({
        minimum: 0,
        default: 0,
        description: 'Event time (ms) since the last alert that must also pass to end an episode.',
      }),
    },
    {
      default: {},
      description: 'When an episode ends (its start, updates and end are published).',
    },
  ),
  learning: Type.Object(
    {
      samples: Type.Integer({
        minimum: 0,
        default: 100,
        description:
          'Samples every detector sees before it may raise anything (unless its spec sets learnSamples).',
      }),
      ms: Type.Number({
        minimum: 0,
        default: 60_000,
        description:
          'Event time (ms) every detector spans before it may raise anything (unless its spec sets ' +
          'learnMs): at least one cycle of the signal.',
      }),
    },
    {
      default: {},
      description: 'Silence while learning: a fresh detector raises nothing until then.',
    },
  ),
  multivariate: Type.Object(
    {
      enabled: Type.Boolean({
        default: true,
        description: 'Run the multivariate detector on every device with two or more channels.',
      }),
    },
    {
      default: {},
      additionalProperties: true,
      description:
        'The per-device multivariate detector and its options (alpha, shrinkage, thresholds, ' +
        'learnSamples, learnMs; see createMultivariateDetector); learning defaults to `learning`.',
    },
  ),
  ...sensorIntakeConfigFields,
})

/**
 * The detector every sensor gets when the config names none: a rolling z-score over the last 50 samples
 * that alerts above 6σ. Not `novelty`, the best on NAB: NAB does not score a file's first 15 % and rewards
 * "never seen before", while on a live machine a sensor that reaches a new level is usually just working
 * (issue 15: precision 0.21 and 72 false alarms per 1 000 normal samples on real recordings). A local
 * baseline with a high threshold (and a std never below the sensor's resolution) flags what is sudden
 * relative to the last seconds, and together with
 * learning, episodes and the multivariate detector it stays silent on clean signals (docs/anomaly.md).
 */
export const DEFAULT_DETECTOR = {
  name: 'zscore',
  window: 50,
  thresholds: { unusual: 4, veryUnusual: 8, alert: 6 },
  // Real sensors are quantised: a 50-sample run of one reading has std 0, and one step off it must not
  // score thousands of σ.
  stepFloor: true,
} as const

/** The anomaly service's own settings, as read. */
export type AnomalyConfig = Static<typeof AnomalyConfigSchema>
