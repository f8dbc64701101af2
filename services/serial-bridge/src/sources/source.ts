/**
 * @module sources/source
 * What feeds the bridge: a serial device, simulated sensors or a replayed recording. Each source turns its
 * input into readings (one device line: a sequence number, an event time and one value per channel, plus
 * the time the bridge read it) and accepts rate commands in its own way: the serial source writes `R<hz>`
 * to the firmware, the simulator changes its rate, a replay cannot change a recording's rate.
 */

/** One device line, parsed and stamped. */
export interface Reading {
  readonly device: string
  readonly seq: number
  /** Event time, ms since the epoch. */
  readonly t: number
  /** One value per channel, in channel order. */
  readonly values: readonly number[]
  /** When the bridge read it, ms since the epoch; latency is measured from here. */
  readonly ingest: number
}

/** Where a source delivers its readings. */
export interface SourceSink {
  reading(r: Reading): void
  /**
   * A line of `device` was read and dropped before publishing (at the edge gate): one sample of each of
   * its channels is lost, counted, and told downstream (the raw payload's `dropped`).
   */
  dropped?(device: string, samplesPerChannel: number): void
  /** How full the outbound queue is, 0…1: sources that can wait (sim, replay) slow down when high. */
  congestion(): number
  /**
   * Samples the outbound queue still takes before it is full (less those waiting to be batched for it): a
   * source that can wait (sim, replay) reads no more than this at once ({@link rowsThatFit}). Absent: no
   * bound.
   */
  room?(): number
  /** A downstream consumer of these readings reported critical (`service/instance hop`), if any. */
  downstream?(): string | undefined
}

/** What became of a rate command. */
export type RateOutcome =
  /** Written to the device now. */
  | 'sent'
  /** The device is not connected; it is sent when the device (re)connects. */
  | 'pending'
  /** Applied directly (simulator). */
  | 'applied'
  /** This source has no rate (replay). */
  | 'unsupported'
  /** No such device here. */
  | 'unknown-device'

/** A source of readings. */
export interface BridgeSource {
  /** Channel names, in value order (known once started for a replay that takes them from the file). */
  readonly channels: readonly string[]
  start(sink: SourceSink): Promise<void>
  stop(): Promise<void>
  setRate(device: string, hz: number): RateOutcome
}

/**
 * How many rows of `width` samples a source that can wait may read into `sink` now: as many as the
 * outbound queue has room for (Infinity when the sink gives no room). An empty queue takes one row however
 * narrow it is, so a queue smaller than a row slows the source down instead of stopping it.
 */
export function rowsThatFit(sink: SourceSink, width: number): number {
  if (sink.room === undefined) return Infinity
  const rows = Math.floor(sink.room() / Math.max(1, width))
  return rows === 0 && sink.congestion() === 0 ? 1 : rows
}
