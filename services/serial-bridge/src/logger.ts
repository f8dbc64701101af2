/**
 * @module logger
 * The logger shape the bridge's parts take: the subset of pino's API they use (a pino logger and the
 * mesh's `MeshLogger` both satisfy it). Parts default to silence; the service hands them child loggers.
 */

/** A log method: `(obj, msg)` or `(msg)`, as in pino. */
export interface LogFn {
  (obj: object, msg?: string): void
  (msg: string): void
}

/** The logger interface of the bridge's parts. */
export interface BridgeLogger {
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
}

const noop: LogFn = () => undefined

/** A logger that drops everything. */
export const silentLogger: BridgeLogger = { error: noop, warn: noop, info: noop, debug: noop }
