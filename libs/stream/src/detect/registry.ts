/**
 * @module detect/registry
 * Detectors by name, so that a config file, the anomaly service and `sluice replay` can say
 * `{ name: 'mad', window: 60 }` and get a detector without importing each factory. A {@link DetectorSpec} is
 * a discriminated union on `name`, derived from {@link DetectorOptionsByName}; adding a detector is one
 * entry there and one in `registry` below (its factory, option schemas and learning floors), and the types
 * of both stay checked against each other. The option schemas are what the anomaly service's config
 * validates a detector spec against.
 */

import { DetectErrorCode, StreamError } from '../errors.js'
import { createCusumDetector, type CusumOptions } from './cusum.js'
import { createEwmaDetector, type EwmaOptions } from './ewma.js'
import { isAlert, type CommonDetectorOptions } from './levels.js'
import { createMadDetector, type MadOptions } from './mad.js'
import { createNoveltyDetector, type NoveltyOptions } from './novelty.js'
import { createLearningGate, type LearningOptions, type LearningState } from './learning.js'
import { restoreDetector, snapshotDetector } from './detector-state.js'
import type { Detection, Detector, SerialisableDetector } from './types.js'
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

/** A detector built by {@link createDetector}: gated by learning, its whole state serialisable. */
export interface GatedDetector extends Detector {
  readonly learning: boolean
  /**
   * Scores and learns the point as {@link Detector.update} does, and says only whether it raises an alert
   * (`isAlert` of the detection, and not learning); {@link GatedDetector.last} builds the detection when
   * the caller needs it. The anomaly service's path (issue 16): a detection object per sample was a tenth
   * of every byte the mesh allocated, and only an alert or an open episode looks at it.
   */
  observe(t: number, value: number): boolean
  /** The detection of the last {@link GatedDetector.observe} (or `update`), as `update` returned it. */
  last(): Detection
  /**
   * The whole detector's state (model and learning gate) as JSON-safe plain data, for handing its sensor
   * to another instance (DESIGN.md §12, issue 13). Changes nothing.
   */
  snapshot(): unknown
  /**
   * Replaces the whole state with a {@link GatedDetector.snapshot} of a detector built from the same spec
   * (after `JSON.parse(JSON.stringify(…))`); it then resumes exactly where that one stopped, and is not
   * learning again if that one had finished.
   *
   * @throws StreamError `SLUICE_ERR_DETECT_INVALID_STATE` when the state is of another detector or spec,
   *   another version, or malformed; the detector is then unchanged.
   */
  restore(state: unknown): void
  /** The learning gate's state (plain data), for handing a sensor to another instance. */
  learningState(): LearningState
  /** Restores a gate state from {@link GatedDetector.learningState}: a handed-over sensor is not learning again. */
  restoreLearning(state: LearningState): void
}

/** The same detection, silenced: learned from, but nothing is raised. */
function learningDetection(d: Detection): Detection {
  return {
    score: d.score,
    likelihood: 0,
    threshold: d.threshold,
    level: 'normal',
    kind: d.kind,
    alert: false,
    baseline: d.baseline,
    learning: true,
  }
}

/**
 * `d` with its `learning` flag. Spelled out rather than `{ ...d, learning }`: this runs once per sample
 * per sensor, and the spread was the anomaly service's hottest function in the mesh profile (issue 16).
 * Every registered detector sets `alert`; one that does not keeps the spread, so no field is invented.
 */
function withLearning(d: Detection, learning: boolean): Detection {
  // Most detections say so already (`toDetection`): no copy per sample then.
  if (d.learning === learning) return d
  if (d.alert === undefined) return { ...d, learning }
  return {
    score: d.score,
    likelihood: d.likelihood,
    threshold: d.threshold,
    level: d.level,
    kind: d.kind,
    alert: d.alert,
    baseline: d.baseline,
    learning,
  }
}

function gate(
  detector: SerialisableDetector,
  learn: Required<LearningOptions>,
  spec: DetectorSpec,
): GatedDetector {
  const g = createLearningGate(learn.learnSamples, learn.learnMs)
  // The last point: the model's own detection when it has no fast path, whether the value was finite,
  // and the gate's answer for it. `update` is `observe` then `last`, so the two cannot disagree.
  let model: Detection | undefined
  let finite = true
  let learning = true
  const fast = detector.observe !== undefined && detector.lastDetection !== undefined
  const observe = (t: number, value: number): boolean => {
    let alert: boolean
    if (fast) alert = detector.observe!(t, value)
    else {
      model = detector.update(t, value)
      alert = isAlert(model)
    }
    finite = Number.isFinite(value)
    learning = finite ? g.observe(t) : g.learning
    return alert && !learning
  }
  const last = (): Detection => {
    const d = fast ? detector.lastDetection!() : model!
    if (!finite) return withLearning(d, learning)
    return learning ? learningDetection(d) : withLearning(d, false)
  }
  return {
    name: detector.name,
    update(t, value) {
      observe(t, value)
      return last()
    },
    observe,
    last,
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
    snapshot: () => snapshotDetector(spec, detector, g),
    restore: (state) => {
      restoreDetector(spec, detector, g, state)
    },
  }
}

/** The JSON type of one detector option, as a config file or a flag gives it. */
export type DetectorOptionType = 'number' | 'integer' | 'boolean' | 'thresholds'

/**
 * The declared schema of one detector option: its type and what it does. Plain data (no schema library),
 * so that this package stays dependency-free; the anomaly service's config turns it into its schema.
 */
export interface DetectorOptionSchema {
  readonly type: DetectorOptionType
  readonly description: string
}

/** One schema per option of `O`; the mapped type makes a missing or extra option a type error. */
export type DetectorOptionSchemas<O> = { readonly [K in keyof Required<O>]: DetectorOptionSchema }

/** Everything the registry holds about one detector. */
interface DetectorRegistration<O> {
  readonly create: (options: O) => SerialisableDetector
  /** Its option schemas (without the learning options, which every detector takes). */
  readonly options: DetectorOptionSchemas<O>
  /** Its learning floors; see {@link DEFAULT_LEARNING}. */
  readonly learning: Required<LearningOptions>
}

type Registry = { readonly [K in DetectorName]: DetectorRegistration<DetectorOptionsByName[K]> }

const common = {
  thresholds: {
    type: 'thresholds',
    description: 'Level and alert thresholds in score units: { unusual, veryUnusual, alert }.',
  },
  minStd: {
    type: 'number',
    description:
      "Smallest standard deviation divided by (the sensor's resolution, e.g. 1 for an ADC).",
  },
} as const satisfies DetectorOptionSchemas<CommonDetectorOptions>

const learningOptions = {
  learnSamples: {
    type: 'integer',
    description: "Samples to see before anything may be raised (default: the detector's own).",
  },
  learnMs: {
    type: 'number',
    description:
      "Event time (ms) to span before anything may be raised (default: the detector's own).",
  },
} as const satisfies DetectorOptionSchemas<LearningOptions>

const window = {
  type: 'integer',
  description: 'How many recent values form the baseline.',
} as const
const minSamples = {
  type: 'integer',
  description: 'Values needed before the detector may flag anything.',
} as const
const sustain = {
  type: 'integer',
  description: 'Consecutive same-side alerts after which the kind becomes `shift`, not `spike`.',
} as const
const clip = {
  type: 'number',
  description: 'Values are clipped to ±clip σ while learning.',
} as const

/**
 * One entry per registered detector: its factory, its option schemas and its learning floors. The mapped
 * type makes a missing or mistyped entry a type error, and each option list is checked against the
 * detector's options interface.
 */
const registry: Registry = {
  zscore: {
    create: createZScoreDetector,
    options: {
      ...common,
      window,
      minSamples,
      sustain,
      stepFloor: {
        type: 'boolean',
        description: 'Floor the std at the smallest non-zero step the signal has taken.',
      },
      seasonal: {
        type: 'boolean',
        description:
          'Also watch the residual after the learned periodic component for shifts and drifts.',
      },
      level: {
        type: 'boolean',
        description:
          'Also watch the residual against a slow level for shifts and drifts, where successive values are independent.',
      },
    },
    learning: { learnSamples: 100, learnMs: 0 },
  },
  mad: {
    create: createMadDetector,
    options: { ...common, window, minSamples, sustain },
    learning: { learnSamples: 100, learnMs: 0 },
  },
  ewma: {
    create: createEwmaDetector,
    options: {
      ...common,
      alpha: {
        type: 'number',
        description: 'Smoothing of the baseline mean and variance, in (0, 1].',
      },
      lambda: {
        type: 'number',
        description: 'Smoothing λ of the residual control chart, in (0, 1].',
      },
      minSamples,
      clip,
      sustain,
    },
    learning: { learnSamples: 150, learnMs: 0 },
  },
  cusum: {
    create: createCusumDetector,
    options: {
      ...common,
      k: { type: 'number', description: 'Reference value (allowance) in σ.' },
      h: { type: 'number', description: 'Decision interval in σ: an alarm when a sum exceeds it.' },
      minSamples,
      rebaseline: {
        type: 'integer',
        description: 'Values after an alarm whose mean becomes the new baseline.',
      },
      clip,
      driftWindow: {
        type: 'integer',
        description:
          'An alarm this many samples after the previous same-direction one is a `drift`.',
      },
      memory: {
        type: 'integer',
        description: 'Moving ranges averaged for σ before the average turns exponential.',
      },
    },
    learning: { learnSamples: 100, learnMs: 0 },
  },
  novelty: {
    create: createNoveltyDetector,
    options: {
      bins: {
        type: 'integer',
        description: 'Slices of the seen range for the new-value rule, 2‥32.',
      },
      tolerance: {
        type: 'number',
        description: 'Margin beyond the seen range, as a share of its width.',
      },
      contextBins: {
        type: 'integer',
        description: 'Slices of the seen range for the time-of-day context rule, 2‥32.',
      },
      phases: {
        type: 'integer',
        description: 'Phases of the period for the context rule (0: off).',
      },
      period: {
        type: 'number',
        description: 'The period of the context, in ms (default one day).',
      },
      maxContextRate: {
        type: 'number',
        description: 'Context novelty alerts only while it has occurred on less than this share.',
      },
      refractory: {
        type: 'integer',
        description: 'Points after an alert during which the likelihood stays below the alert.',
      },
      minSamples,
      alert: { type: 'number', description: 'Likelihood at or above which a point is an alert.' },
      alpha: { type: 'number', description: 'Smoothing of the EWMA baseline.' },
    },
    // NAB's probationary period is at least 150 rows (15 % of its shortest files).
    learning: { learnSamples: 150, learnMs: 0 },
  },
}

/**
 * How much each detector sees before it may raise anything, unless the spec says otherwise
 * (`learnSamples`, `learnMs`): its own window, or a few time constants of its baseline. These are floors
 * for the detector's statistics only; a live sensor with a cycle (a day, a pump stroke) needs `learnMs` of
 * at least one cycle, which the anomaly service sets for every detector (its `learning` config).
 */
export const DEFAULT_LEARNING: Readonly<Record<DetectorName, Required<LearningOptions>>> =
  Object.freeze(
    Object.fromEntries(
      Object.entries(registry).map(([name, r]) => [name, Object.freeze({ ...r.learning })]),
    ) as Record<DetectorName, Required<LearningOptions>>,
  )

/** The registered detector names, in registration order. */
export const detectorNames: readonly DetectorName[] = Object.freeze(
  Object.keys(registry) as DetectorName[],
)

/**
 * The option schemas of a registered detector, the learning options included: what a config may set in
 * `{ name, …options }`. The anomaly service's config schema is built from these, so an unknown option
 * (`windw`) is a config error at start that names the detector and its options.
 *
 * @example
 * Object.keys(detectorOptionSchemas('mad')) // ['thresholds', 'minStd', 'window', …, 'learnMs']
 */
export function detectorOptionSchemas(
  name: DetectorName,
): Readonly<Record<string, DetectorOptionSchema>> {
  return { ...registry[name].options, ...learningOptions }
}

/** Whether `name` is a registered detector (for validating untyped config). */
export function isDetectorName(name: unknown): name is DetectorName {
  return typeof name === 'string' && Object.hasOwn(registry, name)
}

/**
 * Builds a fresh detector (one per sensor) from a spec.
 *
 * @throws StreamError `SLUICE_ERR_DETECT_UNKNOWN_DETECTOR` when the name is not registered (a spec read
 *   from an untyped config), or `SLUICE_ERR_DETECT_INVALID_OPTIONS` when an option is unknown to the
 *   detector (a typo such as `windw`) or out of range.
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
  // options; the spec's own type already tied `options` to `name`, and `Registry` ties each entry to them.
  const { create } = registry[name]
  const known = detectorOptionSchemas(name)
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(known, k))
  if (unknown.length > 0) {
    throw new StreamError(
      DetectErrorCode.InvalidOptions,
      `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} ` +
        `of detector ${name}: its options are ${Object.keys(known).join(', ')}. Check the spelling.`,
    )
  }
  const defaults = DEFAULT_LEARNING[name]
  return gate(
    create(options),
    {
      learnSamples: learnSamples ?? defaults.learnSamples,
      learnMs: learnMs ?? defaults.learnMs,
    },
    spec,
  )
}
