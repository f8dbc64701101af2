/**
 * @module @sluice/nab
 * The Numenta Anomaly Benchmark as pure functions: NAB's CSV layout, per-row window labels, the scoring
 * rule and threshold sweep of `nab/sweeper.py`, normalised corpus scores, cross-validated scores and
 * operator-level alarm figures, and a detector of `@sluice/stream` run over a series in stream order.
 * Browser-safe, no I/O: reading the corpus from disk is the edge module `@sluice/nab/files`. Used by
 * `sluice replay` and by `bench/anomaly/nab.ts`.
 *
 * @example
 * ```ts
 * import { labelCorpus, runDetector, scoreCorpus } from '@sluice/nab'
 * import { loadCorpus } from '@sluice/nab/files'
 *
 * const corpus = await loadCorpus()
 * const scores = corpus.files.map((f) => runDetector({ name: 'zscore' }, f.timestamps, f.values).scores)
 * const results = scoreCorpus(corpus.profiles, labelCorpus(corpus), scores, corpus.windowCount)
 * ```
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export { formatNabResults, parseCsvColumns, parseNabCsv } from './csv.js'
export { labelCorpus, scoreCorpus } from './score-corpus.js'
export { alarmFigures, crossValidate } from './evaluate.js'
export { runDetector, runMultivariate, timestampMs } from './run-detector.js'
export type { RowLabels } from './sweeper.js'
export type { NabCorpus, Profiles } from './corpus.js'
export type { ProfileResult } from './score-corpus.js'
export type { AlarmFigures, AlarmFile, CrossValidated } from './evaluate.js'
