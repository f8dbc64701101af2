/**
 * @module test/helpers
 * Small waiting and pacing helpers shared by the broker's integration tests.
 */
import type { MqttClient } from 'mqtt'

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

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/**
 * Publishes at `ratePerSecond` for `durationMs`, catching up on timer lateness so that the offered rate
 * is exact on average; resolves with the number of messages published.
 */
export async function publishAtRate(
  client: MqttClient,
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
    while (sent < due) {
      client.publish(topic, payload, { qos })
      sent++
    }
    await sleep(5)
  }
  return sent
}
