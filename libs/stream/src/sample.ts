/**
 * @module sample
 * The unit every stream algorithm works on: one reading of one sensor channel, with its device sequence
 * number, its event time and the time the bridge read it (DESIGN.md §4).
 */

/** One sensor reading. Times are milliseconds since the epoch and may have a fraction. */
export interface Sample {
  /** Device sequence number; gaps expose loss on the wire or in the mesh. */
  readonly seq: number
  /** Event time: the device's clock if it sends one, otherwise the bridge's. */
  readonly t: number
  readonly value: number
  /** When the bridge read the line; latency is measured from here. */
  readonly ingest: number
  /**
   * Samples of this sensor dropped and counted upstream since the publisher last said so (the raw
   * payload's `dropped`); a consumer counts them as explained loss. Usually absent.
   */
  readonly dropped?: number
}
