/**
 * @module sink-hop/intake
 * The intake of a sink hop: the items of one offer (those of one inbound batch) are encoded and appended
 * to the spool at once, with one write (local disk only, the data path never waits for the network), and
 * the sender is woken when it idles or a batch is full. A payload the sink cannot encode is counted
 * (`rejected`); records the disk refuses are counted (`dropped.spool-failed`) and said loudly, once when
 * it starts and once when it heals.
 */
import type { HopMeter } from '@sluice/stream'
import type { SinkHopOptions } from '../sink-hop.js'
import { SpoolWriteError } from '../errors.js'
import type { Spool } from '../spool/spool.js'
import type { ForwardItem, Sink } from '../sinks/sink.js'
import type { Waiter } from './waiter.js'

/** What the intake needs. */
export interface SinkIntakeDeps {
  readonly sink: Sink
  readonly spool: Spool
  readonly meter: HopMeter
  readonly waiter: Waiter
  readonly options: Pick<SinkHopOptions, 'spoolDir' | 'batchSize' | 'log'>
  readonly now: () => number
}

/** The intake and its counts. */
export interface SinkIntake {
  /** Encodes and spools items, with one append (synchronous: local disk only). */
  readonly offer: (items: readonly ForwardItem[]) => void
  /** Records offered (after encoding), spooled or not. */
  readonly arrived: number
  /** Items the sink could not encode. */
  readonly rejected: number
  /** Records the disk refused. */
  readonly spoolFailed: number
  /** Why the disk refuses the spool, while it does. */
  readonly spoolRefusal: string | undefined
  /** Running mean size of a spooled record (with its framing). */
  readonly avgRecordBytes: number
}

/** Creates a sink hop's intake. */
export function createSinkIntake(d: SinkIntakeDeps): SinkIntake {
  const { sink, spool, meter, options: o, now } = d
  let arrived = 0
  let rejected = 0
  let spoolFailed = 0
  /** Why the disk refuses the spool, while it does; and `spoolFailed` when it started to. */
  let spoolRefusal: { message: string; failedBefore: number } | undefined
  let avgRecordBytes = 100

  /**
   * The local disk refused (some of) `count` records: the one place the forwarder loses data, so it is
   * counted (`dropped.spool-failed`) and said loudly, when it starts and then at a sampled rate.
   */
  function refuseSpool(err: unknown, count: number): void {
    const appended = err instanceof SpoolWriteError ? err.appended : 0
    if (appended > 0) meter.arrive(now(), appended)
    spoolFailed += count - appended
    const message = err instanceof Error ? err.message : String(err)
    const code = err instanceof SpoolWriteError ? err.code : undefined
    if (spoolRefusal === undefined || spoolFailed % 1000 < count - appended)
      o.log.error(
        { sink: sink.name, code, err, dropped: spoolFailed, dir: o.spoolDir },
        `${sink.name}: ${message}`,
      )
    spoolRefusal ??= { message, failedBefore: spoolFailed - (count - appended) }
  }

  /** The sink's records for `item`, or undefined (counted and sampled) when it cannot encode it. */
  function encode(item: ForwardItem): readonly string[] | undefined {
    try {
      return sink.encode(item)
    } catch (err) {
      // A payload the sink cannot encode must not stop the intake (DESIGN.md §4): counted, sampled.
      rejected++
      if (rejected % 1000 === 1)
        o.log.warn(
          { sink: sink.name, topic: item.topic, err, rejected },
          'could not encode an item',
        )
      return undefined
    }
  }

  /** The records of `items` that the sink can encode. */
  function recordsOf(items: readonly ForwardItem[]): readonly string[] {
    const all: string[] = []
    for (const item of items) {
      const records = encode(item)
      if (records !== undefined) for (const r of records) all.push(r)
    }
    return all
  }

  function offer(items: readonly ForwardItem[]): void {
    const records = recordsOf(items)
    // Nothing to write for these items (e.g. status messages for InfluxDB): not an error.
    if (records.length === 0) return
    const t = now()
    arrived += records.length
    try {
      // One append for all of them: the spool writes what fits in its segment with one write.
      spool.append(records, t)
    } catch (err) {
      refuseSpool(err, records.length)
      return
    }
    if (spoolRefusal !== undefined) {
      o.log.info(
        { sink: sink.name, dir: o.spoolDir, dropped: spoolFailed - spoolRefusal.failedBefore },
        `${sink.name}: the spool in ${o.spoolDir} accepts writes again`,
      )
      spoolRefusal = undefined
    }
    avgRecordBytes = avgRecordBytes * 0.9 + (Buffer.byteLength(records[0]!) + 17) * 0.1
    meter.arrive(t, records.length)
    const pending = spool.stats().pending
    meter.observeLength(t, pending)
    // Wake an idle sender (it then lingers), or a lingering one once a batch is full. A sender in
    // backoff or waiting for tokens is left alone: arrivals must not turn an outage into a busy loop.
    const { waiting } = d.waiter
    if (waiting === 'idle' || (waiting === 'linger' && pending >= o.batchSize)) d.waiter.wake()
  }

  return {
    offer,
    get arrived() {
      return arrived
    },
    get rejected() {
      return rejected
    },
    get spoolFailed() {
      return spoolFailed
    },
    get spoolRefusal() {
      return spoolRefusal?.message
    },
    get avgRecordBytes() {
      return avgRecordBytes
    },
  }
}
