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
 * clock whenever the two part by a millisecond or more. Browser-safe.
 */

let anchor = Date.now() - performance.now()

/** Wall-clock time in ms since the epoch, with a fraction; follows steps and suspends of the system clock. */
export function epochMs(): number {
  const mono = performance.now()
  const wall = Date.now()
  const t = anchor + mono
  // Date.now() truncates: the true time is in [wall, wall + 1).
  if (t >= wall - 0.001 && t < wall + 1) return t
  anchor = wall - mono
  return wall
}
