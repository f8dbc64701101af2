/**
 * @module browser/latency-recorder
 * Sensor-to-screen latency, measured in the page: each sample's `ingest` time (stamped by the bridge when
 * it read the line) against the time its chart finished drawing it. The last `capacity` latencies are kept
 * in a ring, so percentiles describe recent behaviour and memory stays fixed. Pure (no DOM): the caller
 * passes the clock reading.
 */

/** Percentiles of recent latencies (ms). */
export interface LatencySummary {
  readonly n: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/** A bounded recorder of latencies. */
export class LatencyRecorder {
  private readonly values: Float64Array
  private head = 0
  private size = 0
  /** Every latency recorded since the last reset (not just the ones still held). */
  total = 0

  constructor(readonly capacity = 16_384) {
    this.values = new Float64Array(capacity)
  }

  /** Records `now - ingest` for one sample. */
  record(ingest: number, now: number): void {
    this.values[(this.head + this.size) % this.capacity] = now - ingest
    if (this.size < this.capacity) this.size++
    else this.head = (this.head + 1) % this.capacity
    this.total++
  }

  /**
   * Nearest-rank percentiles of what is held.
   *
   * @example
   * ```ts
   * const rec = new LatencyRecorder(); rec.record(1000, 1012); rec.summary().p50 // 12
   * ```
   */
  summary(): LatencySummary {
    if (this.size === 0) return { n: 0, p50: 0, p99: 0, max: 0 }
    const sorted = this.values.slice(0, this.size).sort()
    const rank = (p: number): number =>
      sorted[Math.min(this.size - 1, Math.ceil(p * this.size) - 1)]!
    return { n: this.size, p50: rank(0.5), p99: rank(0.99), max: sorted[this.size - 1]! }
  }

  reset(): void {
    this.head = 0
    this.size = 0
    this.total = 0
  }
}
