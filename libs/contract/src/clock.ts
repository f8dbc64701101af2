/**
 * @module clock
 * The one clock that stamps the contract's times (`ingest`, `t` of metrics, observers' arrival times): the
 * wall clock in ms since the epoch, with a sub-millisecond fraction.
 *
 * `performance.timeOrigin + performance.now()` has the fraction but is not the wall clock: the monotonic
 * clock under it stops while a machine or VM is suspended and ignores steps of the system clock (NTP,
 * a restored snapshot), so a long-running process drifts from a freshly started one by the size of the
 * pause; two processes then disagree by seconds about the same instant. `Date.now()` is the wall clock but
 * in whole milliseconds. This takes the fraction from the monotonic clock and re-anchors it on the wall
 * clock whenever the two part by a millisecond or more. Readings never go back by less than a second (a
 * re-anchoring's small correction is held), so intervals measured with it are never negative. Browser-safe.
 */

let anchor = Date.now() - performance.now()
let last = 0

/** A backward step of the wall clock at least this large is followed; a smaller one is held (below). */
const STEP_BACK_MS = 1000

/**
 * Wall-clock time in ms since the epoch, to the microsecond; follows steps and suspends of the system
 * clock.
 */
export function epochMs(): number {
  const mono = performance.now()
  const wall = Date.now()
  let t = anchor + mono
  // Date.now() truncates: the true time is in [wall, wall + 1).
  if (t < wall - 0.001 || t >= wall + 1) {
    anchor = wall - mono
    t = wall
  }
  // To the microsecond, truncated as Date.now() truncates: finer digits say nothing a consumer can use,
  // and a time of 16 digits is read without JSON.parse (raw-batch-scan.ts) where 17 are not.
  t = Math.floor(t * 1000) / 1000
  // Re-anchoring after a slow drift between the two clocks moves back by up to a millisecond; a wait
  // measured across it would come out negative. Hold the last reading instead, until the clock passes it.
  if (t < last && last - t < STEP_BACK_MS) t = last
  last = t
  return t
}
