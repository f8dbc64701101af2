/**
 * @module @sluice/stream/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/stream`.
 */
export * from './index.js'
export { SimErrorCode } from './errors.js'
export type { BatchStats } from './stats/batch-stats.js'
export { RunningStats, sampleStd } from './stats/running-stats.js'
export { createCountWindow } from './windows/count.js'
export { createTimeWindow } from './windows/time.js'
export { createSessionWindow } from './windows/session.js'
export {
  MAX_EVENT_TIME_MS,
  MAX_PANES_PER_WINDOW,
  overlap,
  validateWindowSpec,
  windowKind,
} from './windows/spec.js'
export type { CountWindowSpec, SessionWindowSpec, TimeWindowSpec } from './windows/spec.js'
export type { EmitAggregate, WindowKind } from './windows/aggregate.js'
export type { AnomalyKind, AnomalyLevel, Baseline, Detection, Detector } from './detect/types.js'
export {
  createRunClassifier,
  defaultThresholds,
  effectiveStd,
  levelOf,
  likelihoodOf,
  resolveThresholds,
  toDetection,
} from './detect/levels.js'
export type {
  CommonDetectorOptions,
  LevelThresholds,
  RunClassifier,
  ThresholdOptions,
} from './detect/levels.js'
export { createZScoreDetector } from './detect/zscore.js'
export type { ZScoreOptions } from './detect/zscore.js'
export { createMadDetector, MAD_TO_SIGMA, MEAN_AD_TO_SIGMA } from './detect/mad.js'
export type { MadOptions } from './detect/mad.js'
export { createEwmaDetector } from './detect/ewma.js'
export type { EwmaOptions } from './detect/ewma.js'
export { createCusumDetector } from './detect/cusum.js'
export type { CusumOptions } from './detect/cusum.js'
export { createNoveltyDetector, NOVELTY_LEVELS } from './detect/novelty.js'
export type { NoveltyOptions } from './detect/novelty.js'
export type {
  DebouncedEvent,
  DebounceReason,
  Debouncer,
  DebouncerOptions,
} from './detect/debounce.js'
export { DEFAULT_LEARNING } from './detect/registry.js'
export type {
  DetectorOptionSchemas,
  DetectorOptionType,
  DetectorOptionsByName,
} from './detect/registry.js'
export { createLearningGate } from './detect/learning.js'
export type { LearningGate, LearningState } from './detect/learning.js'
export type { EpisodePhase, EpisodeState } from './detect/episodes.js'
export { chiSquareToZ, MULTIVARIATE_THRESHOLDS } from './detect/multivariate.js'
export type { MultivariateDetection, MultivariateState } from './detect/multivariate.js'
export { createOrderStatisticTree } from './detect/order-statistics.js'
export type { OrderStatisticTree } from './detect/order-statistics.js'
export { createRollingMoments } from './detect/rolling-moments.js'
export type { RollingMoments } from './detect/rolling-moments.js'
export type { BoundedQueueOptions, OfferResult } from './queue/bounded-queue.js'
export { createRateMeter } from './meter/rate-meter.js'
export type { RateMeter, RateMeterOptions } from './meter/rate-meter.js'
export { createLatencyHistogram } from './meter/latency-histogram.js'
export type { LatencyHistogram, LatencyPercentiles } from './meter/latency-histogram.js'
export { hopState, utilisation } from './meter/health.js'
export type { HopState, HopStateThresholds } from './meter/health.js'
export type { HopMeterOptions, HopQueueReading } from './meter/hop-meter.js'
export type { SequenceGapCounts, SequenceGapTrackerOptions } from './meter/sequence-gaps.js'
export { seedFrom } from './sim/prng.js'
export type { Prng } from './sim/prng.js'
export type {
  AnomalyPlanOptions,
  InjectedAnomalyKind,
  SimChannelSpec,
  SimLine,
  SimLoadSpec,
  SimulatorOptions,
} from './sim/simulator.js'
export type { BackoffOptions } from './rate/backoff.js'
