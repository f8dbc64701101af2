/**
 * @module server/snapshot-json
 * The snapshot a page starts from, serialised to fit a byte budget (the page's backlog limit, issue 11):
 * with 520 sensors the whole history is tens of megabytes of JSON, more than any page should be made to
 * queue. When the whole snapshot does not fit, a share of it is kept (each sensor's history min/max-
 * decimated, so a chart still spans the same time; the newest aggregates and events), and the share is
 * remembered, so that the next snapshot usually takes a single serialisation.
 */
import type { Snapshot } from '../protocol.js'

/** Builds the snapshot with a share (0 to 1) of its history; see `LiveState.snapshot`. */
export type BuildSnapshot = (share: number) => Snapshot

/** Most serialisations of one snapshot before falling back to the config alone. */
const MAX_ATTEMPTS = 6

/**
 * Returns a function that serialises the snapshot within `maxBytes` UTF-8 bytes: as much history as fits,
 * else the config and services, else the config alone.
 *
 * @example
 * ```ts
 * const encode = createSnapshotEncoder((share) => live.snapshot(pageConfig, share))
 * const json = encode(2 * 1024 * 1024)
 * ```
 */
export function createSnapshotEncoder(build: BuildSnapshot): (maxBytes: number) => string {
  let hint = 1
  return (maxBytes) => {
    let share = hint
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const json = JSON.stringify(build(share))
      const bytes = Buffer.byteLength(json)
      // Aim 10 % below the budget next time, growing back when the state shrinks.
      const next = (share * 0.9 * maxBytes) / bytes
      if (bytes <= maxBytes) {
        hint = share === 0 ? 0.01 : Math.min(1, next)
        return json
      }
      if (share === 0) break
      share = next < 0.001 ? 0 : next
    }
    hint = 0.01
    return JSON.stringify({ ...build(0), services: [] })
  }
}
