/**
 * @module errors
 * The NAB package's failure: the corpus is not where it was looked for.
 */
import { defineError } from '@sluice/contract'

/** The codes of `@sluice/nab`. */
export const NabErrorCode = {
  /** The NAB corpus (its labels, windows or profiles) cannot be read. */
  Corpus: 'SLUICE_ERR_NAB_CORPUS',
} as const

/** The NAB corpus is not where it was looked for (`SLUICE_NAB_DIR`, or `../shared/datasets/nab`). */
export const NabCorpusError = defineError(NabErrorCode.Corpus, { name: 'NabCorpusError' })
export type NabCorpusError = InstanceType<typeof NabCorpusError>
