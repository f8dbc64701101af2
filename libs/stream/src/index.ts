/**
 * @module @sluice/stream
 * Pure stream algorithms for Sluice: windows, incremental statistics, bounded queues, anomaly detectors
 * and meters. No I/O and no timers of its own: time is always passed in. Browser-safe.
 */
export type { Sample } from './sample.js'
export type {
  AnomalyKind,
  AnomalyLevel,
  Baseline,
  Detection,
  Detector,
} from './detect/types.js'
