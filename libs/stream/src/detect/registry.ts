/**
 * @module detect/registry
 * Detectors by name, so that a config file, the anomaly service and `sluice replay` can say
 * `{ name: 'mad', window: 60 }` and get a detector without importing each factory. A {@link DetectorSpec} is
 * a discriminated union on `name`, derived from {@link DetectorOptionsByName}; adding a detector is one
 * entry there and one in `factories` below, and the types of both stay checked against each other.
 */

import { DetectErrorCode, StreamError } from '../errors.js'
import { createCusumDetector, type CusumOptions } from './cusum.js'
import { createEwmaDetector, type EwmaOptions } from './ewma.js'
import { createMadDetector, type MadOptions } from './mad.js'
import { createNoveltyDetector, type NoveltyOptions } from './novelty.js'
import { createLearningGate, type LearningOptions, type LearningState } from './learning.js'
import type { Detection, Detector } from './types.js'
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
  [K in DetectorName]: { readonly name: K } & DetectorOptionsByName[K] & LearningOptions
}[DetectorName]

/**
 * How much each detector sees before it may raise anything, unless the spec says otherwise
 * (`learnSamples`, `learnMs`): its own window, or a few time constants of its baseline. These are floors
 * for the detector's statistics only; a live sensor with a cycle (a day, a pump stroke) needs `learnMs` of
 * at least one cycle, which the anomaly service sets for every detector (its `learning` config).
 */
export const DEFAULT_LEARNING: Readonly<Record<DetectorName, Required<LearningOptions>>> =
  Object.freeze({
    zscore: { learnSamples: 100, learnMs: 0 },
    mad: { learnSamples: 100, learnMs: 0 },
    ewma: { learnSamples: 150, learnMs: 0 },
    cusum: { learnSamples: 100, learnMs: 0 },
    // NAB's probationary period is at least 150 rows (15 % of its shortest files).
    novelty: { learnSamples: 150, learnMs: 0 },
  })

/** A detector built by {@link createDetector}: gated by learning, its gate state serialisable. */
export interface GatedDetector extends Detector {
  readonly learning: boolean
  /** The learning gate's state (plain data), for handing a sensor to another instance. */
  learningState(): LearningState
  /** Restores a gate state from {@link GatedDetector.learningState}: a handed-over sensor is not learning again. */
  restoreLearning(state: LearningState): void
}

/** The same detection, silenced: learned from, but nothing is raised. */
function learningDetection(d: Detection): Detection {
  return { ...d, likelihood: 0, level: 'normal', alert: false, learning: true }
}

function gate(detector: Detector, learn: Required<LearningOptions>): GatedDetector {
  const g = createLearningGate(learn.learnSamples, learn.learnMs)
  return {
    name: detector.name,
    update(t, value) {
      const d = detector.update(t, value)
      if (!Number.isFinite(value)) return { ...d, learning: g.learning }
      return g.observe(t) ? learningDetection(d) : { ...d, learning: false }
    },
    reset() {
      detector.reset()
      g.reset()
    },
    get learning() {
      return g.learning
    },
    learningState: () => g.snapshot(),
    restoreLearning: (state) => {
      g.restore(state)
    },
  }
}

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
export function createDetector(spec: DetectorSpec): GatedDetector {
  const { name, learnSamples, learnMs, ...options } = spec
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
  const defaults = DEFAULT_LEARNING[name]
  return gate(factory(options), {
    learnSamples: learnSamples ?? defaults.learnSamples,
    learnMs: learnMs ?? defaults.learnMs,
  })
}
