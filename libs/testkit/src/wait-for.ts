/**
 * @module wait-for
 * Polls a condition until it holds, for integration tests that wait on other processes. A timeout
 * fails with the caller's message and the last error the condition threw, never silently.
 */
import { WaitTimeoutError } from './errors.js'

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms (default 5000). */
  readonly timeout?: number
  /** Poll every this many ms (default 20). */
  readonly interval?: number
  /**
   * What was awaited, for the error message (default "condition"); a function is called at the timeout,
   * so the message can say where things stood then.
   */
  readonly message?: string | (() => string)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Calls `condition` until it returns a truthy value (or a promise of one) and resolves to that value.
 * A throw counts as "not yet"; the last one is reported on timeout.
 *
 * @example
 * ```ts
 * await waitFor(() => sub.messages.length >= 10, { timeout: 2000, message: '10 messages on sub' })
 * const status = await waitFor(() => latestStatus(), { message: 'a status message' })
 * ```
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 5000
  const interval = options.interval ?? 20
  const deadline = Date.now() + timeout
  let lastError: unknown
  for (;;) {
    try {
      const value = await condition()
      if (value) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) break
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())))
  }
  const why =
    lastError === undefined
      ? ''
      : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`
  const what = typeof options.message === 'function' ? options.message() : options.message
  throw new WaitTimeoutError(
    `Timed out after ${timeout} ms waiting for ${what ?? 'condition'}${why}.`,
    lastError === undefined ? undefined : { cause: lastError },
  )
}
