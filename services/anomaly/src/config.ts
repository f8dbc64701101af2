/**
 * @module config
 * The anomaly service's config (DESIGN.md §8): which detector every sensor gets (by registry name, with its
 * options), per-sensor overrides, and the debouncing that turns alerts into events.
 */
import { Type, type Static } from '@sinclair/typebox'

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
          'Detector for every sensor, by registry name with its options (default: novelty, the best on NAB; ' +
          'zscore, mad, ewma and cusum are available by name).',
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
        description: 'An episode ends after this many consecutive normal samples…',
      }),
      holdoffMs: Type.Number({
        minimum: 0,
        default: 0,
        description: '…that also span at least this much event time since the last alert.',
      }),
    },
    { default: {} },
  ),
  maxSensors: Type.Integer({
    minimum: 1,
    default: 10_000,
    description:
      'Most sensors this instance keeps state for; samples of further sensors are refused, counted and ' +
      'logged (state is per sensor, so this bounds memory).',
  }),
  devices: Type.Array(Type.String({ pattern: '^([a-z0-9][a-z0-9_-]*|\\+)$' }), {
    default: ['+'],
    minItems: 1,
    description: 'Devices this instance owns (`+` = all).',
  }),
})

/**
 * The detector every sensor gets when the config names none: `novelty`, which scores 68.4 on NAB's standard
 * profile against 26.1 for the rolling z-score (docs/anomaly.md).
 */
export const DEFAULT_DETECTOR = { name: 'novelty' } as const

/** The anomaly service's own settings, as read. */
export type AnomalyConfig = Static<typeof AnomalyConfigSchema>
