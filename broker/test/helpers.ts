/**
 * @module test/helpers
 * Small waiting and pacing helpers shared by the broker's integration tests.
 */
import type { RawPublisher } from './raw-client.js'

/** Polls `check` every 20 ms until it returns true, or throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Polls the async `check` every 50 ms until it returns true, or throws after `timeoutMs`. */
export async function waitForAsync(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/**
 * Publishes at `ratePerSecond` for `durationMs`, catching up on timer lateness so that the offered rate
 * is exact on average; resolves with the number of messages published.
 */
export async function publishAtRate(
  client: RawPublisher,
  topic: string,
  payload: Buffer,
  qos: 0 | 1,
  ratePerSecond: number,
  durationMs: number,
): Promise<number> {
  const start = performance.now()
  let sent = 0
  const total = Math.round((ratePerSecond * durationMs) / 1000)
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSecond) / 1000))
    if (due > sent) {
      // not awaited: a broker that stops reading must show up as a low delivery rate, not a hang
      // (a write that fails once the test closes the socket is of no interest)
      client.publish(topic, payload, qos, due - sent).catch(() => undefined)
      sent = due
    }
    await sleep(5)
  }
  return sent
}
