/**
 * @module lab/experiments
 * Every experiment of `sluice lab`, in the order `docs/lab.md` walks through them.
 */
import type { Experiment } from './experiment.js'
import { batchStreamExperiment } from './experiments/batch-stream.js'
import { backpressureExperiment } from './experiments/backpressure.js'
import { edgeExperiment } from './experiments/edge.js'
import { serialExperiment } from './experiments/serial.js'
import { thresholdsExperiment } from './experiments/thresholds.js'
import { windowsExperiment } from './experiments/windows.js'

/** The experiments, by name, in teaching order. */
export const experiments: readonly Experiment<never>[] = [
  batchStreamExperiment,
  windowsExperiment,
  backpressureExperiment,
  thresholdsExperiment,
  serialExperiment,
  edgeExperiment,
] as unknown as readonly Experiment<never>[]

/** An experiment by name, or undefined. */
export function findExperiment(name: string): Experiment | undefined {
  return (experiments as unknown as readonly Experiment[]).find((e) => e.name === name)
}
