/**
 * @module errors
 * Every failure of `@sluice/mesh`, each with its own class and a stable code (`SLUICE_ERR_MESH_…`, listed in
 * `docs/errors.md`), on the shared `SluiceError` base of `@sluice/contract`.
 */
import { defineError, type DropReason } from '@sluice/contract'

/** Why a confirmed publish was never acknowledged: the outbound hop's own drop reasons. */
export type UnconfirmedReason = Extract<
  DropReason,
  'oldest' | 'newest' | 'sampled' | 'failed' | 'shutdown'
>

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
 * The configuration is invalid. Lists every problem at once (`issues`), so one run shows everything to
 * fix. A service that cannot start for it exits with 2: a restart would read the same config.
 *
 * @example
 * ```ts
 * try { loadConfig({ … }) } catch (err) { if (err instanceof MeshConfigError) console.error(err.message) }
 * ```
 */
export const MeshConfigError = defineError(MeshErrorCode.Config, {
  name: 'MeshConfigError',
  exitCode: 2,
  build: (issues: readonly ConfigIssue[], options?: ErrorOptions) => ({
    message:
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
      issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n') +
      '\nFix these in the config file (--config), the SLUICE_* environment variables or the flags.',
    fields: { issues },
    options,
  }),
})
export type MeshConfigError = InstanceType<typeof MeshConfigError>

/** The config file (`file`) could not be read or is not valid YAML. Exits with 2, like a bad config. */
export const MeshConfigFileError = defineError(MeshErrorCode.ConfigFile, {
  name: 'MeshConfigFileError',
  exitCode: 2,
  build: (file: string, message: string, options?: ErrorOptions) => ({
    message,
    fields: { file },
    options,
  }),
})
export type MeshConfigFileError = InstanceType<typeof MeshConfigFileError>

/** The broker could not be reached, or refused the connection. */
export const MeshConnectError = defineError(MeshErrorCode.Connect, { name: 'MeshConnectError' })
export type MeshConnectError = InstanceType<typeof MeshConnectError>

/** A hop was misused: declared twice, or used after its service stopped. */
export const MeshHopError = defineError(MeshErrorCode.Hop, { name: 'MeshHopError' })
export type MeshHopError = InstanceType<typeof MeshHopError>

/**
 * A confirmed publish (`OutboundHop.publishConfirmed`) never got the broker's acknowledgement: the hop's
 * policy dropped it (`reason` `oldest`, `newest`, `sampled`), the transport failed it (`failed`), or the
 * hop shut down first (`shutdown`). It was counted as dropped by the hop.
 */
export const MeshUnconfirmedError = defineError(MeshErrorCode.Unconfirmed, {
  name: 'MeshUnconfirmedError',
  build: (reason: UnconfirmedReason, message: string, options?: ErrorOptions) => ({
    message,
    fields: { reason },
    options,
  }),
})
export type MeshUnconfirmedError = InstanceType<typeof MeshUnconfirmedError>
