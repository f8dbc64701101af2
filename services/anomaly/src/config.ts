/**
 * @module config
 * The anomaly service's config (DESIGN.md §8): which detector every sensor gets (by registry name, with its
 * options), per-sensor overrides, and the debouncing that turns alerts into events.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox'
import { sensorIntakeConfigFields } from '@sluice/mesh'
import {
  detectorNames,
  detectorOptionSchemas,
  type DetectorName,
  type DetectorOptionSchema,
  type DetectorSpec,
} from '@sluice/stream'

const ThresholdsSchema = Type.Object(
  {
    unusual: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    veryUnusual: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    alert: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
)

/** The config schema of one option the detector registry declares. */
function optionSchema(option: DetectorOptionSchema): TSchema {
  const { description } = option
  switch (option.type) {
    case 'number':
      return Type.Number({ description })
    case 'integer':
      return Type.Integer({ description })
    case 'boolean':
      return Type.Boolean({ description })
    case 'thresholds':
      return Type.Object(ThresholdsSchema.properties, { additionalProperties: false, description })
  }
}

/**
 * One detector's spec, `{ name, …options }`, with exactly the options its registry entry declares: a
 * typo (`windw`) is refused at start, naming the detector (the `title`) and its options.
 */
function detectorSpecSchema(name: DetectorName): TSchema {
  const options = Object.entries(detectorOptionSchemas(name)).map(
    ([key, option]) => [key, Type.Optional(optionSchema(option))] as const,
  )
  return Type.Object(
    { name: Type.Literal(name), ...Object.fromEntries(options) },
    { additionalProperties: false, title: `detector ${name}` },
  )
}

/** The union of every registered detector's spec schema, typed as the registry's `DetectorSpec`. */
function detectorSpecsSchema(description: string): TUnsafe<DetectorSpec> {
  // Unsafe keeps the union's kind (TypeBox validates it as the union) and gives it the spec's static type.
  return Type.Unsafe<DetectorSpec>(
    Type.Union(detectorNames.map(detectorSpecSchema), { description }),
  )
}

/**
 * A detector by registry name with its options, checked against the options the registry declares for
 * that detector (out-of-range values are still the factory's to refuse, at start).
 */
export const DetectorConfigSchema = detectorSpecsSchema(
  `A detector by name (${detectorNames.join(', ')}) with its options.`,
)

/** The anomaly service's own settings. */
export const AnomalyConfigSchema = Type.Object({
  // Optional with the default applied by the service: a schema default for an open object would be merged
  // into the user's detector (TypeBox's Value.Default), so { name: 'mad' } would inherit novelty's options.
  detector: Type.Optional(
    detectorSpecsSchema(
      'Detector for every sensor, by registry name with its options (default: DEFAULT_DETECTOR, a ' +
        'rolling z-score over 50 samples alerting above 6σ, with residual tests for shifts and ' +
        `drifts on a periodic signal and on noise around a level; ${detectorNames.join(', ')} are ` +
        'available by name).',
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
 * A local baseline cannot tell a shift or a slow drift from the signal's own cycle, so the residual after
 * the learned cycle is watched as well (`seasonal`: off on a signal without a clear cycle); and it absorbs a
 * shift of a few σ that stays (a valve half closed) before it stands out, so on noise around an operating
 * point the residual around a slowly learned level is watched too (`level`: off where successive values
 * are not independent). On SKAB's pump recordings the level test took the periods found from 24 to 33 of
 * 34 and the event precision from 0.54 to 0.65 (docs/anomaly.md).
 */
export const DEFAULT_DETECTOR = {
  name: 'zscore',
  window: 50,
  thresholds: { unusual: 4, veryUnusual: 8, alert: 6 },
  // Real sensors are quantised: a 50-sample run of one reading has std 0, and one step off it must not
  // score thousands of σ.
  stepFloor: true,
  // Shifts and drifts the cycle hides from a local baseline, on the residual after the learned period.
  seasonal: true,
  // Shifts of a few σ that stay, on a channel whose successive values are independent (noise around a
  // level), which the window absorbs before they reach 6σ.
  level: true,
} as const

/** The anomaly service's own settings, as read. */
export type AnomalyConfig = Static<typeof AnomalyConfigSchema>
