/**
 * @module errors
 * Every failure of `@sluice/mesh`, each with its own class and a stable code (`SLUICE_ERR_MESH_…`, listed in
 * `docs/errors.md`), on the shared `SluiceError` base of `@sluice/contract`.
 */
import { SluiceError } from '@sluice/contract'

/** Every error code of `@sluice/mesh`. */
export const MeshErrorCode = {
  /** The configuration (file, environment, flags) is invalid; every problem is listed. */
  Config: 'SLUICE_ERR_MESH_CONFIG',
  /** The config file could not be read or parsed. */
  ConfigFile: 'SLUICE_ERR_MESH_CONFIG_FILE',
  /** The broker could not be reached or refused the connection. */
  Connect: 'SLUICE_ERR_MESH_CONNECT',
  /** A hop was declared twice, or used after the service stopped. */
  Hop: 'SLUICE_ERR_MESH_HOP',
  /** A confirmed publish was not acknowledged by the broker: dropped by policy, failed, or shut down. */
  Unconfirmed: 'SLUICE_ERR_MESH_UNCONFIRMED',
} as const

/** One of the codes in {@link MeshErrorCode}. */
export type MeshErrorCode = (typeof MeshErrorCode)[keyof typeof MeshErrorCode]

/** One configuration problem: where (a dotted path, `/` for the whole config) and what. */
export interface ConfigIssue {
  readonly path: string
  readonly message: string
}

/**
 * The configuration is invalid. Lists every problem at once, so one run shows everything to fix.
 *
 * @example
 * ```ts
 * try { loadConfig({ … }) } catch (err) { if (err instanceof MeshConfigError) console.error(err.message) }
 * ```
 */
export class MeshConfigError extends SluiceError {
  override readonly name = 'MeshConfigError'
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(
      MeshErrorCode.Config,
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n') +
        '\nFix these in the config file (--config), the SLUICE_* environment variables or the flags.',
      options,
    )
    this.issues = issues
  }
}

/** The config file could not be read or is not valid YAML. */
export class MeshConfigFileError extends SluiceError {
  override readonly name = 'MeshConfigFileError'
  readonly file: string

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(MeshErrorCode.ConfigFile, message, options)
    this.file = file
  }
}

/** The broker could not be reached, or refused the connection. */
export class MeshConnectError extends SluiceError {
  override readonly name = 'MeshConnectError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(MeshErrorCode.Connect, message, options)
  }
}

/** A hop was misused: declared twice, or used after its service stopped. */
export class MeshHopError extends SluiceError {
  override readonly name = 'MeshHopError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(MeshErrorCode.Hop, message, options)
  }
}

/**
 * A confirmed publish (`OutboundHop.publishConfirmed`) never got the broker's acknowledgement: the hop's
 * policy dropped it (`reason` `oldest`, `newest`, `sampled`), the transport failed it (`failed`), or the
 * hop shut down first (`shutdown`). It was counted as dropped by the hop.
 */
export class MeshUnconfirmedError extends SluiceError {
  override readonly name = 'MeshUnconfirmedError'
  readonly reason: 'oldest' | 'newest' | 'sampled' | 'failed' | 'shutdown'

  constructor(
    reason: MeshUnconfirmedError['reason'],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(MeshErrorCode.Unconfirmed, message, options)
    this.reason = reason
  }
}
