/**
 * @module handlers/hop-helpers
 * What the dashboard's inbound hops share: the answer of a decoder given a topic its hop does not take,
 * and the count of what the live state refused (sensors beyond `maxSensors`) as the hop's drops, so the
 * metrics show them (issue 11, item 10).
 */
import type { HandleBatch } from '@sluice/mesh'
import type { LiveState } from '../server/live-state.js'

/** A decoder's answer for a topic its hop does not take. */
export function notOurs(topic: string): { ok: false; error: Error } {
  return { ok: false, error: new Error(`not a topic this hop takes: ${topic}`) }
}

/** Runs `add` on the live state and drops, in `batch`, what it refused for being over `maxSensors`. */
export function addCountingRefused(live: LiveState, batch: HandleBatch, add: () => void): void {
  const before = live.stats.overLimit
  add()
  const refused = live.stats.overLimit - before
  if (refused > 0) batch.drop('max-sensors', refused)
}
