/**
 * @module nab/corpus
 * The NAB corpus as held in memory: its labelled data files, the three application profiles, and a
 * detector's published thresholds. Types only; `@sluice/nab/files` reads them from disk.
 */
import type { NabSeries } from './csv.js'
import type { CostMatrix, WindowLimits } from './sweeper.js'

/** NAB's three application profiles, by name (`standard`, `reward_low_FP_rate`, `reward_low_FN_rate`). */
export type Profiles = Readonly<Record<string, CostMatrix>>

/** A detector's published threshold per profile (`config/thresholds.json`). */
export type Thresholds = Readonly<Record<string, Readonly<Record<string, number>>>>

/** One data file of the corpus. */
export interface DataFile extends NabSeries {
  /** Path relative to `data/`, e.g. `realKnownCause/nyc_taxi.csv`. */
  readonly name: string
  readonly windows: readonly WindowLimits[]
}

/** The labelled corpus, in the key order of `labels/combined_windows.json`. */
export interface NabCorpus {
  readonly dir: string
  readonly files: readonly DataFile[]
  readonly profiles: Profiles
  /** Number of labelled windows in the whole corpus: the perfect detector's raw score per tpWeight. */
  readonly windowCount: number
}
