/**
 * @module detect/registry
 * Detectors by name, so that a config file, the anomaly service and `sluice replay` can say
 * `{ name: 'mad', window: 60 }` and get a detector without importing each factory. A {@link DetectorSpec} is
 * a discriminated union on `name`, derived from {@link DetectorOptionsByName}; adding a detector is one
 * entry there and one in `factories` below, and the types of both stay checked against each other.
 */

import { StreamError } from '../errors.js'
import { createCusumDetector, type CusumOptions } from './cusum.js'
import { createEwmaDetector, type EwmaOptions } from './ewma.js'
import { DetectErrorCode } from './levels.js'
import { createMadDetector, type MadOptions } from './mad.js'
import { createNoveltyDetector, type NoveltyOptions } from './novelty.js'
import type { Detector } from './types.js'
import { createZScoreDetector, type ZScoreOptions } from './zscore.js'

/** The options of every registered detector, by name. Register a detector by adding it here. */
export interface DetectorOptionsByName {
  zscore: ZScoreOptions
  mad: MadOptions
  ewma: EwmaOptions
  cusum: CusumOptions
  novelty: NoveltyOptions
}

/** The name of a registered detector. */
export type DetectorName = keyof DetectorOptionsByName

/**
 * What a config says to build one detector: its `name` and its options (all optional, with defaults).
 *
 * @example
 * const spec: DetectorSpec = { name: 'cusum', k: 0.5, h: 5 }
 */
export type DetectorSpec = {
  [K in DetectorName]: { readonly name: K } & DetectorOptionsByName[K]
}[DetectorName]

type Factories = { readonly [K in DetectorName]: (options: DetectorOptionsByName[K]) => Detector }

/** One factory per registered detector; the mapped type makes a missing or mistyped entry a type error. */
const factories: Factories = {
  zscore: createZScoreDetector,
  mad: createMadDetector,
  ewma: createEwmaDetector,
  cusum: createCusumDetector,
  novelty: createNoveltyDetector,
}

/** The registered detector names, in registration order. */
export const detectorNames: readonly DetectorName[] = Object.freeze(
  Object.keys(factories) as DetectorName[],
)

/** Whether `name` is a registered detector (for validating untyped config). */
export function isDetectorName(name: unknown): name is DetectorName {
  return typeof name === 'string' && Object.hasOwn(factories, name)
}

/**
 * Builds a fresh detector (one per sensor) from a spec.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_UNKNOWN_DETECTOR` when the name is not registered (a spec read
 *   from an untyped config), or `SLUICE_ERR_DETECT_INVALID_OPTIONS` when an option is out of range.
 * @example
 * const bySensor = new Map<string, Detector>()
 * const detectorFor = (key: string) => {
 *   let d = bySensor.get(key)
 *   if (!d) bySensor.set(key, (d = createDetector({ name: 'zscore', window: 100 })))
 *   return d
 * }
 */
export function createDetector(spec: DetectorSpec): Detector {
  const { name, ...options } = spec
  if (!isDetectorName(name)) {
    throw new StreamError(
      DetectErrorCode.UnknownDetector,
      `Unknown detector "${String(name)}": it is not one of ${detectorNames.join(', ')}. Check the ` +
        `detector name in the config.`,
    )
  }
  // Indexing the mapped type with the whole union widens the factory's parameter to the union of all
  // options; the spec's own type already tied `options` to `name`, and `Factories` ties each entry to them.
  const factory = factories[name]
  return factory(options)
}
