/**
 * @module start-failure
 * What a person sees when a service cannot start. A known failure, one with a stable `SLUICE_ERR_…` code
 * (a `SluiceError`, or a `StreamError` of `@sluice/stream`, which has the same shape), is told in its own
 * words with its code, and without a stack trace: its message already says what happened and what to do,
 * and a stack would bury it under lines of our code (issue 11). Anything else is a bug, and its stack is
 * what a bug report needs.
 *
 * The exit code tells a supervisor whether trying again can help: 2 when the configuration was refused,
 * by the runtime's config check or by the service while `create` built itself from it (a dashboard asked
 * to listen beyond loopback without a login, two forwarder sinks with one name), since a restart reads
 * the same config (the systemd units set `RestartPreventExitStatus=2`), told by the error's `exitCode`
 * (`defineError`) or by {@link markConfigRefusal}; 1 for any other failure, such as a
 * broker that is not up yet or a port in use, which a restart may well fix.
 */

/** How a service that could not start ends: what to print on stderr, and the exit code. */
export interface StartFailure {
  readonly text: string
  readonly exitCode: 1 | 2
}

/** Errors a service threw while building itself from its config (see {@link markConfigRefusal}). */
const configRefusals = new WeakSet<object>()

/** Records that `err` was thrown while the service was built from its config, before any I/O. */
export function markConfigRefusal(err: unknown): void {
  if (typeof err === 'object' && err !== null) configRefusals.add(err)
}

/** The stable code of a known Sluice failure, or `undefined` for anything else. */
function sluiceCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SLUICE_ERR_') ? code : undefined
}

/**
 * Says how a service that could not start ends.
 *
 * @example
 * ```ts
 * const { text, exitCode } = describeStartFailure('dashboard', err)
 * process.stderr.write(text)
 * process.exit(exitCode)
 * ```
 */
export function describeStartFailure(service: string, err: unknown): StartFailure {
  const code = sluiceCode(err)
  if (code === undefined) {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err)
    return { text: `${service}: ${text}\n`, exitCode: 1 }
  }
  // The error's own exit code (2 for `MeshConfigError`, `MeshConfigFileError`; see `defineError`).
  const refused = (err as { exitCode?: unknown }).exitCode === 2 || configRefusals.has(err as Error)
  return {
    text: `${service}: ${(err as Error).message}\n${service}: error code ${code} (docs/errors.md)\n`,
    exitCode: refused ? 2 : 1,
  }
}
