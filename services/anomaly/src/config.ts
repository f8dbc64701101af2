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
  detector: Type.Object(
    { name: Type.String({ minLength: 1 }) },
    { additionalProperties: true, default: { name: 'zscore', thresholds: { unusual: 2, veryUnusual: 3, alert: 4 } },
      description:
        'Detector for every sensor. The default alerts at |z| > 4: at 2.5 a clean Gaussian signal alerts on ~1.2% of samples.', },
  ),
  sensors: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$' }), DetectorConfigSchema, {
    default: {},
    description: 'Per-sensor detector overrides, keyed device/channel.',
  }),
  debounce: Type.Object(
    {
      holdoffSamples: Type.Integer({ minimum: 1, default: 20 }),
      holdoffMs: Type.Number({ minimum: 0, default: 0 }),
    },
    { default: {} },
  ),
  devices: Type.Array(Type.String({ pattern: '^([a-z0-9][a-z0-9_-]*|\\+)$' }), {
    default: ['+'],
    minItems: 1,
    description: 'Devices this instance owns (`+` = all).',
  }),
})

/** The anomaly service's own settings, as read. */
export type AnomalyConfig = Static<typeof AnomalyConfigSchema>
