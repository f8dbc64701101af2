/**
 * @module @sluice/stream
 * Pure stream algorithms for Sluice: windows, incremental statistics, bounded queues, anomaly detectors
 * and meters. No I/O and no timers of its own: time is always passed in. Browser-safe.
 */
export type { Sample } from './sample.js'
export { DetectErrorCode, SimErrorCode, StreamError, StreamErrorCode } from './errors.js'
export { batchStats } from './stats/batch-stats.js'
export type { BatchStats } from './stats/batch-stats.js'
export { RunningStats, sampleStd } from './stats/running-stats.js'
export { SlidingStats } from './stats/sliding-stats.js'
export { createWindow } from './windows/create-window.js'
export { createCountWindow } from './windows/count.js'
export { createTimeWindow } from './windows/time.js'
export { createSessionWindow } from './windows/session.js'
export {
  MAX_EVENT_TIME_MS,
  MAX_PANES_PER_WINDOW,
  isWindowTime,
  overlap,
  validateWindowSpec,
  windowKind,
} from './windows/spec.js'
export type {
  CountWindowSpec,
  SessionWindowSpec,
  TimeWindowSpec,
  WindowSpec,
} from './windows/spec.js'
export type { EmitAggregate, WindowAggregate, WindowKind } from './windows/aggregate.js'
export type { WindowOperator } from './windows/operator.js'
export type { AnomalyKind, AnomalyLevel, Baseline, Detection, Detector } from './detect/types.js'
export {
  createRunClassifier,
  defaultThresholds,
  effectiveStd,
  isAlert,
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
export { createDebouncer } from './detect/debounce.js'
export type {
  DebouncedEvent,
  DebounceReason,
  Debouncer,
  DebouncerOptions,
} from './detect/debounce.js'
export {
  createDetector,
  DEFAULT_LEARNING,
  detectorNames,
  detectorOptionSchemas,
  isDetectorName,
} from './detect/registry.js'
export type {
  DetectorName,
  DetectorOptionSchema,
  DetectorOptionSchemas,
  DetectorOptionType,
  DetectorOptionsByName,
  DetectorSpec,
  GatedDetector,
} from './detect/registry.js'
export { createLearningGate } from './detect/learning.js'
export type { LearningGate, LearningOptions, LearningState } from './detect/learning.js'
export { createEpisodeTracker } from './detect/episodes.js'
export type {
  EpisodeEvent,
  EpisodeOptions,
  EpisodePhase,
  EpisodeState,
  EpisodeTracker,
} from './detect/episodes.js'
export {
  chiSquareToZ,
  createMultivariateDetector,
  MULTIVARIATE_THRESHOLDS,
} from './detect/multivariate.js'
export type {
  MultivariateDetection,
  MultivariateDetector,
  MultivariateOptions,
  MultivariateState,
} from './detect/multivariate.js'
export { createOrderStatisticTree } from './detect/order-statistics.js'
export type { OrderStatisticTree } from './detect/order-statistics.js'
export { createRollingMoments } from './detect/rolling-moments.js'
export type { RollingMoments } from './detect/rolling-moments.js'
export { createBoundedQueue, QUEUE_POLICIES } from './queue/bounded-queue.js'
export type {
  BoundedQueue,
  BoundedQueueOptions,
  DropCounts,
  OfferResult,
  QueueCounters,
  QueueDropReason,
  QueuePolicy,
} from './queue/bounded-queue.js'
export { createRateMeter } from './meter/rate-meter.js'
export type { RateMeter, RateMeterOptions } from './meter/rate-meter.js'
export { createLatencyHistogram } from './meter/latency-histogram.js'
export type { LatencyHistogram, LatencyPercentiles } from './meter/latency-histogram.js'
export { hopState, littlesLaw, timeToOverflow, utilisation } from './meter/health.js'
export type { HopState, HopStateThresholds } from './meter/health.js'
export { createHopMeter } from './meter/hop-meter.js'
export type {
  HopMeter,
  HopMeterOptions,
  HopMeterSnapshot,
  HopQueueReading,
} from './meter/hop-meter.js'
export { createSequenceGapTracker, unexplainedLoss } from './meter/sequence-gaps.js'
export type {
  SequenceGapCounts,
  SequenceGapTracker,
  SequenceGapTrackerOptions,
} from './meter/sequence-gaps.js'
export { createPrng, seedFrom } from './sim/prng.js'
export type { Prng } from './sim/prng.js'
export { createSimulator, planAnomalies, pumpDevice } from './sim/simulator.js'
export type {
  AnomalyPlanOptions,
  AnomalySpec,
  InjectedAnomaly,
  InjectedAnomalyKind,
  SimChannelSpec,
  SimDeviceSpec,
  SimLine,
  SimLoadSpec,
  Simulator,
  SimulatorOptions,
} from './sim/simulator.js'

export { createTokenBucket } from './rate/token-bucket.js'
export type { TokenBucket } from './rate/token-bucket.js'
export { backoffDelay, parseRetryAfter } from './rate/backoff.js'
export type { BackoffOptions } from './rate/backoff.js'
