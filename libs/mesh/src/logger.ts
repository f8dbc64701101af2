/**
 * @module logger
 * The logger shape the runtime's parts take: the subset of pino's API they use, so hops and transports
 * can run with any logger (or none: the default is silent) while `runService` hands them pino child
 * loggers with `base: { svc, version, instance }` (STYLE.md, Logging).
 */

/** A log method: `(obj, msg)` or `(msg)`, as in pino. */
export interface LogFn {
  (obj: object, msg?: string): void
  (msg: string): void
}

/** The logger interface the mesh uses; a pino `Logger` satisfies it. */
export interface MeshLogger {
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
  trace: LogFn
  child(bindings: Record<string, unknown>): MeshLogger
}

const noop: LogFn = () => undefined

/** A logger that drops everything: the default of every library part. */
export const silentLogger: MeshLogger = {
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silentLogger,
}

/**
 * Logs at most one in every `every` calls (the first, then each `every`-th), with the running count, so a
 * flood of bad payloads cannot flood the log (STYLE.md: sample the repeated warnings).
 *
 * @example
 * ```ts
 * const warnBad = createSampledLog(log, 'warn', 100)
 * warnBad({ topic }, 'rejected a bad payload') // logs calls 1, 101, 201, …
 * ```
 */
export function createSampledLog(
  log: MeshLogger,
  level: 'warn' | 'error' | 'info',
  every: number,
): (obj: object, msg: string) => void {
  let n = 0
  return (obj, msg) => {
    n++
    if (n % every === 1 || every <= 1) log[level]({ ...obj, occurrences: n }, msg)
  }
}
