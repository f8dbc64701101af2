/**
 * @module @sluice/stream
 * Pure stream algorithms for Sluice: windows, incremental statistics, bounded queues, anomaly detectors
 * and meters. No I/O and no timers of its own: time is always passed in. Browser-safe.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export type { Sample } from './sample.js'
export { DetectErrorCode, StreamError, StreamErrorCode } from './errors.js'
export { decodeState, encodeState } from './state/json-state.js'
export { batchStats } from './stats/batch-stats.js'
export { SlidingStats } from './stats/sliding-stats.js'
export { createWindow } from './windows/create-window.js'
export { isWindowTime } from './windows/spec.js'
export type { WindowSpec } from './windows/spec.js'
export type { WindowAggregate } from './windows/aggregate.js'
export type { WindowOperator } from './windows/operator.js'
export { isAlert } from './detect/levels.js'
export { createDebouncer } from './detect/debounce.js'
export {
  createDetector,
  detectorNames,
  detectorOptionSchemas,
  isDetectorName,
} from './detect/registry.js'
export type {
  DetectorName,
  DetectorOptionSchema,
  DetectorSpec,
  GatedDetector,
} from './detect/registry.js'
export type { LearningOptions } from './detect/learning.js'
export { createEpisodeTracker } from './detect/episodes.js'
export type { EpisodeEvent, EpisodeOptions, EpisodeTracker } from './detect/episodes.js'
export { createMultivariateDetector } from './detect/multivariate.js'
export type { MultivariateDetector, MultivariateOptions } from './detect/multivariate.js'
export { createBoundedQueue, QUEUE_POLICIES } from './queue/bounded-queue.js'
export type {
  BoundedQueue,
  DropCounts,
  QueueCounters,
  QueueDropReason,
  QueuePolicy,
} from './queue/bounded-queue.js'
export { littlesLaw, timeToOverflow } from './meter/health.js'
export { createHopMeter } from './meter/hop-meter.js'
export type { HopMeter, HopMeterSnapshot } from './meter/hop-meter.js'
export { createSequenceGapTracker, unexplainedLoss } from './meter/sequence-gaps.js'
export type { SequenceGapTracker } from './meter/sequence-gaps.js'
export { createPrng } from './sim/prng.js'
export { createSimulator, planAnomalies, pumpDevice } from './sim/simulator.js'
export type { AnomalySpec, InjectedAnomaly, SimDeviceSpec, Simulator } from './sim/simulator.js'
export { createTokenBucket } from './rate/token-bucket.js'
export type { TokenBucket } from './rate/token-bucket.js'
export { backoffDelay, parseRetryAfter } from './rate/backoff.js'
export { hash53, ownerOf } from './assign/rendezvous.js'
