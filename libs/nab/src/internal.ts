/**
 * @module @sluice/nab/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/nab`.
 */
export * from './index.js'
export {
  MAX_TP,
  OUTSIDE,
  PROBATIONARY,
  PROBATION_PERCENT,
  labelRows,
  normalizeScore,
  optimizeThreshold,
  probationaryLength,
  scaledSigmoid,
  scoreAtThreshold,
  sweepThresholds,
  timestampKey,
} from './sweeper.js'
export { splitHalves } from './evaluate.js'
export type { CostMatrix, ThresholdScore, WindowLimits } from './sweeper.js'
export type { MultiSeries, NabSeries } from './csv.js'
export type { DataFile, Thresholds } from './corpus.js'
export type { DetectorRun, MultivariateRun } from './run-detector.js'
