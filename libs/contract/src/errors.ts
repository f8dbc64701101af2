/**
 * @module errors
 * The base error of every Sluice package, and the contract's own failures. Each failure has its own class
 * with `name` set and a stable `code` (`SLUICE_ERR_<AREA>_<WHAT>`), so callers branch on the code and people
 * read the message. Every code is listed in `docs/errors.md`.
 */

/**
 * Base class of every error Sluice throws or returns. Subclasses set `name`; `code` is stable across
 * releases, the message is for people (what happened, why it probably happened, what to do).
 *
 * @example
 * ```ts
 * class SpoolFullError extends SluiceError {
 *   override readonly name = 'SpoolFullError'
 *   constructor(message: string) { super('SLUICE_ERR_FORWARDER_SPOOL_FULL', message) }
 * }
 * try { … } catch (err) { if (err instanceof SluiceError && err.code === '…') … }
 * ```
 */
export class SluiceError extends Error {
  override readonly name: string = 'SluiceError'
  /** Stable machine-readable code, `SLUICE_ERR_<AREA>_<WHAT>`. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Every error code of `@sluice/contract` (documented in `docs/errors.md`). */
export const ContractErrorCode = {
  /** A topic segment (prefix, device, channel, window name, service, instance) is not a valid identifier. */
  InvalidIdentifier: 'SLUICE_ERR_CONTRACT_INVALID_IDENTIFIER',
  /** A payload is not valid JSON, not UTF-8, or does not match its message schema. */
  InvalidPayload: 'SLUICE_ERR_CONTRACT_INVALID_PAYLOAD',
} as const

/** One of the codes in {@link ContractErrorCode}. */
export type ContractErrorCode = (typeof ContractErrorCode)[keyof typeof ContractErrorCode]

/**
 * A topic segment is not a valid identifier (`[a-z0-9][a-z0-9_-]*`). Thrown by the topic builders, so a
 * typo in a config fails at start, not as a silent subscription to nothing.
 */
export class InvalidIdentifierError extends SluiceError {
  override readonly name = 'InvalidIdentifierError'
  /** Which segment was wrong: `device`, `channel`, `prefix`, … */
  readonly field: string
  /** The rejected value. */
  readonly value: unknown

  constructor(field: string, value: unknown, message: string) {
    super(ContractErrorCode.InvalidIdentifier, message)
    this.field = field
    this.value = value
  }
}

/** One problem found in a payload: where (a JSON pointer, `/` for the whole payload) and what. */
export interface PayloadIssue {
  readonly path: string
  readonly message: string
}

/**
 * A payload that could not be decoded. The decoders *return* it (they never throw on bad input); callers
 * count it as `rejected` and log it at a sampled rate (DESIGN.md §4).
 */
export class InvalidPayloadError extends SluiceError {
  override readonly name = 'InvalidPayloadError'
  /** The message id the payload was checked against, e.g. `sluice.v1.raw`. */
  readonly messageId: string
  /** The first problems found (at most the decoder's `maxIssues`). */
  readonly issues: readonly PayloadIssue[]

  constructor(messageId: string, issues: readonly PayloadIssue[], options?: { cause?: unknown }) {
    super(
      ContractErrorCode.InvalidPayload,
      `Invalid ${messageId} payload: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      options,
    )
    this.messageId = messageId
    this.issues = issues
  }
}
