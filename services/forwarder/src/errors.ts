/**
 * @module errors
 * The forwarder's errors and their codes (STYLE.md, Errors; listed in docs/errors.md): a send that
 * failed (retryable or not), a spool the local disk refuses to write, a spool another process holds,
 * and a config the forwarder cannot run with.
 */
import { defineError } from '@sluice/contract'

/** Error codes of the forwarder. */
export const ForwarderErrorCode = {
  Send: 'SLUICE_ERR_FORWARD_SEND',
  Rejected: 'SLUICE_ERR_FORWARD_REJECTED',
  Config: 'SLUICE_ERR_FORWARD_CONFIG',
  SpoolFull: 'SLUICE_ERR_FORWARD_SPOOL_FULL',
  SpoolWrite: 'SLUICE_ERR_FORWARD_SPOOL_WRITE',
  SpoolLocked: 'SLUICE_ERR_FORWARD_SPOOL_LOCKED',
} as const

/** errno codes that mean "no space left" (on the device, or in the user's quota). */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT'])

/**
 * The local disk refused a spool write: full (`SLUICE_ERR_FORWARD_SPOOL_FULL`, ENOSPC or EDQUOT) or
 * failing otherwise (`SLUICE_ERR_FORWARD_SPOOL_WRITE`: read-only, I/O error). The spool is left as it
 * was before the failed record (never a torn or padded one); the first `appended` records of the call
 * were spooled, the rest were not. The next append tries again, so the spool heals once space returns.
 * `errno` is the errno code of the underlying failure, e.g. `ENOSPC`.
 */
export const SpoolWriteError = defineError(
  [ForwarderErrorCode.SpoolFull, ForwarderErrorCode.SpoolWrite],
  {
    name: 'SpoolWriteError',
    build: (dir: string, appended: number, cause: unknown) => {
      const errno = (cause as NodeJS.ErrnoException | undefined)?.code
      const full = errno !== undefined && NO_SPACE.has(errno)
      return {
        code: full ? ForwarderErrorCode.SpoolFull : ForwarderErrorCode.SpoolWrite,
        message: full
          ? `The disk holding the spool ${dir} is full (${errno}): new records cannot be spooled and are ` +
            'dropped (counted as dropped.spool-failed). Free space on that disk, or give the forwarder ' +
            'a smaller spoolMaxBytes or another dataDir; the spool resumes by itself once writes succeed.'
          : `Cannot write the spool ${dir} (${errno ?? (cause instanceof Error ? cause.message : String(cause))}): ` +
            'new records are dropped (counted as dropped.spool-failed). Check that the directory is ' +
            'writable and the disk healthy; the spool resumes by itself once writes succeed.',
        fields: { dir, appended, errno },
        options: { cause },
      }
    },
  },
)
export type SpoolWriteError = InstanceType<typeof SpoolWriteError>

/**
 * Another running process holds the spool `dir` (`spool/spool-lock.ts`): two forwarders must not share
 * one. `pid` is that process, when its lock names one.
 */
export const SpoolLockedError = defineError(ForwarderErrorCode.SpoolLocked, {
  name: 'SpoolLockedError',
  build: (dir: string, pid: number | undefined) => ({
    message:
      `The spool ${dir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}: ` +
      'another forwarder with the same data directory (e.g. a second sluice up in the same folder). Two ' +
      'forwarders must not share a spool. Give this one its own --dataDir (sluice up: --data-dir), or stop ' +
      `the other; if no such process runs, delete ${dir}/lock.`,
    fields: { dir, pid },
  }),
})
export type SpoolLockedError = InstanceType<typeof SpoolLockedError>

/**
 * A failed send. `retryable` says whether trying again can help (network error, 5xx, 408, 429:
 * `SLUICE_ERR_FORWARD_SEND`); when it cannot (bad credentials, a 4xx the data itself causes:
 * `SLUICE_ERR_FORWARD_REJECTED`) the sender logs a clear error, keeps the data in the spool and tries
 * again only slowly, so fixing the config later still delivers everything.
 */
export const SinkSendError = defineError([ForwarderErrorCode.Send, ForwarderErrorCode.Rejected], {
  name: 'SinkSendError',
  build: (
    message: string,
    retryable: boolean,
    retryAfterMs?: number,
    status?: number,
    options?: ErrorOptions,
  ) => ({
    code: retryable ? ForwarderErrorCode.Send : ForwarderErrorCode.Rejected,
    message,
    fields: { retryable, retryAfterMs, status },
    options,
  }),
})
export type SinkSendError = InstanceType<typeof SinkSendError>

/** A forwarder config that cannot run (e.g. two sinks with one name), found at start. */
export const ForwarderConfigError = defineError(ForwarderErrorCode.Config, {
  name: 'ForwarderConfigError',
})
export type ForwarderConfigError = InstanceType<typeof ForwarderConfigError>
