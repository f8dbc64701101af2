/**
 * @module sink-hop/metrics
 * A sink hop's published metrics (DESIGN.md §6, §9): the hop figures of its spool (as its queue) and
 * sender, with the sink's own figures (spool bytes, oldest record's age, send rate, retries, failures),
 * and its state. Kept apart from the sender so the metrics shape has one place.
 */
import { toHopMetrics, type HopMetrics } from '@sluice/contract'
import type { HopMeter } from '@sluice/stream'
import type { SinkCounters } from '../sink-hop.js'
import type { SpoolStats } from '../spool/spool.js'
import type { Sink } from '../sinks/sink.js'

/** What the metrics of a sink hop are made from, at one moment. */
export interface SinkHopFigures {
  readonly sink: Pick<Sink, 'name' | 'type'>
  readonly meter: HopMeter
  readonly stats: SpoolStats
  readonly now: number
  readonly spoolMaxBytes: number
  /** Running mean size of a spooled record (with its framing), to express the byte cap in records. */
  readonly avgRecordBytes: number
  readonly arrived: number
  readonly rejected: number
  readonly spoolFailed: number
  /** Why the disk refuses the spool, while it does. */
  readonly spoolRefusal: string | undefined
  readonly counters: Readonly<SinkCounters>
}

/** The hop metrics of a sink hop. */
export function sinkHopMetrics(f: SinkHopFigures): HopMetrics {
  const { stats: st, counters, now: t } = f
  const capacity = Math.max(st.pending, Math.floor(f.spoolMaxBytes / f.avgRecordBytes))
  const snap = f.meter.snapshot(t, {
    length: st.pending,
    capacity,
    arrived: f.arrived,
    dropped: st.evicted + f.spoolFailed + st.corrupt,
  })
  const lastError = f.spoolRefusal ?? counters.lastError
  return {
    // The spool is the queue: bounded in bytes, it evicts its oldest records (drop-oldest).
    ...toHopMetrics({
      spec: { qos: 1, queue: { policy: 'drop-oldest' } },
      direction: 'out',
      topic: `${f.sink.type}:${f.sink.name}`,
      counters: { arrived: f.arrived, queued: st.pending },
      out: counters.sent,
      rejected: f.rejected,
      extraDropped: {
        evicted: st.evicted,
        'spool-failed': f.spoolFailed,
        'spool-corrupt': st.corrupt,
      },
      capacity,
      snapshot: snap,
    }),
    // A sink that refuses our data, or a disk that refuses the spool, needs a person; a sink that is
    // down for a while is only a warning.
    state:
      (counters.refused && st.pending > 0) || f.spoolRefusal !== undefined
        ? 'critical'
        : counters.lastError !== undefined && st.pending > 0 && snap.state === 'ok'
          ? 'warning'
          : snap.state,
    sink: {
      spoolBytes: st.bytes,
      spoolMaxBytes: f.spoolMaxBytes,
      oldestAgeMs: st.oldestAppendedAt === undefined ? 0 : Math.max(0, t - st.oldestAppendedAt),
      sendRate: snap.throughput,
      retries: counters.retries,
      failures: counters.failures,
      evicted: st.evicted,
      tornTails: st.tornTails,
      ...(lastError === undefined ? {} : { lastError }),
    },
  }
}
