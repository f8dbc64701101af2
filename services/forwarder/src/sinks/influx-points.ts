/**
 * @module sinks/influx-points
 * How Sluice messages become InfluxDB points: the measurement, tag and field names every dashboard and
 * query relies on (documented in docs/forwarder.md and matched by deploy/grafana). Tags are the low-
 * cardinality identifiers (device, channel, window, detector, …); everything measured is a field.
 * Timestamps: raw samples and anomalies at their event time `t`, windows at their `end`, metrics at `t`.
 *
 * Anomaly episodes (`sluice.v2.anomaly`) also become one `sluice_episode` point, an annotation with a
 * duration: stamped at the episode's start, with its end and duration as fields. Its start, updates and
 * end all write the same series at the same time, so each overwrites the last (InfluxDB keeps one point
 * per series and timestamp) and the region grows until the end event fixes it; kind and level are fields,
 * not tags, because they can change while the episode lasts.
 */
import type { AnomalyEvent, ServiceMetrics, WindowAggregate } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import type { Point } from './line-protocol.js'
import type { ForwardItem } from './sink.js'

/** Measurement names. */
export const MEASUREMENTS = {
  raw: 'sluice_raw',
  window: 'sluice_window',
  anomaly: 'sluice_anomaly',
  episode: 'sluice_episode',
  hop: 'sluice_hop',
  process: 'sluice_process',
} as const

/**
 * Every measurement with its tag keys and field keys (and each field's type), exactly as {@link toPoints}
 * writes them. docs/forwarder.md and the Grafana dashboard are checked against this table by tests.
 */
export const INFLUX_SCHEMA = {
  [MEASUREMENTS.raw]: {
    tags: ['device', 'channel'],
    fields: { value: 'float', seq: 'integer' },
  },
  [MEASUREMENTS.window]: {
    tags: ['device', 'channel', 'window', 'kind'],
    fields: {
      count: 'integer',
      mean: 'float',
      std: 'float',
      min: 'float',
      max: 'float',
      first: 'float',
      last: 'float',
      start: 'float',
      seq_from: 'integer',
      seq_to: 'integer',
      late: 'integer',
    },
  },
  [MEASUREMENTS.anomaly]: {
    tags: ['device', 'channel', 'detector', 'level', 'kind'],
    fields: {
      value: 'float',
      score: 'float',
      threshold: 'float',
      baseline_mean: 'float',
      baseline_std: 'float',
      baseline_n: 'integer',
      seq: 'integer',
    },
  },
  [MEASUREMENTS.episode]: {
    tags: ['device', 'channel', 'detector', 'scope'],
    fields: {
      end_ms: 'float',
      duration_ms: 'float',
      peak_score: 'float',
      alerts: 'integer',
      kind: 'string',
      level: 'string',
      phase: 'string',
      channels: 'string',
      text: 'string',
    },
  },
  [MEASUREMENTS.hop]: {
    tags: ['service', 'instance', 'hop', 'direction', 'policy'],
    fields: {
      in: 'integer',
      out: 'integer',
      dropped: 'integer',
      rejected: 'integer',
      queue_length: 'integer',
      queue_capacity: 'integer',
      lambda: 'float',
      mu: 'float',
      rho: 'float',
      w_ms: 'float',
      l: 'float',
      l_measured: 'float',
      p50_ms: 'float',
      p95_ms: 'float',
      p99_ms: 'float',
      gaps: 'integer',
      unexplained_loss: 'integer',
      state: 'string',
      // Forwarder sinks only (DESIGN.md §9): the spool and the delivery.
      spool_bytes: 'integer',
      spool_max_bytes: 'integer',
      oldest_age_ms: 'float',
      send_rate: 'float',
      retries: 'integer',
      failures: 'integer',
      evicted: 'integer',
    },
  },
  [MEASUREMENTS.process]: {
    tags: ['service', 'instance'],
    fields: {
      rss_bytes: 'integer',
      heap_used_bytes: 'integer',
      cpu_percent: 'float',
      event_loop_delay_p99_ms: 'float',
    },
  },
} as const satisfies Record<
  string,
  { tags: readonly string[]; fields: Readonly<Record<string, 'float' | 'integer' | 'string'>> }
>

const int = (n: number): { int: number } => ({ int: Math.round(n) })

/** The `sluice_episode` annotation of a v2 anomaly event (none for a v1 event, which has no episode). */
function episodePoints(a: AnomalyEvent, sensorTags: { device: string; channel: string }): Point[] {
  const e = a.episode
  if (e === undefined) return []
  const channels = e.channels.join(',')
  return [
    {
      measurement: MEASUREMENTS.episode,
      tags: { ...sensorTags, detector: a.detector, scope: a.scope ?? 'channel' },
      fields: {
        end_ms: e.lastT,
        duration_ms: e.durationMs,
        peak_score: e.peakScore,
        alerts: int(e.alerts),
        kind: a.kind,
        level: a.level,
        phase: e.phase,
        channels,
        text: `${a.kind} (${a.detector}, peak ${e.peakScore.toFixed(1)}) on ${channels}`,
      },
      timeMs: e.startT,
    },
  ]
}

/** The points for one forwarded item (metrics give one point per hop, plus one for the process). */
export function toPoints(item: ForwardItem): Point[] {
  const sensorTags = { device: item.device ?? '', channel: item.channel ?? '' }
  switch (item.kind) {
    case 'raw': {
      const s = item.payload as Sample
      return [
        {
          measurement: MEASUREMENTS.raw,
          tags: sensorTags,
          fields: { value: s.value, seq: int(s.seq) },
          timeMs: s.t,
        },
      ]
    }
    case 'window': {
      const w = item.payload as WindowAggregate
      return [
        {
          measurement: MEASUREMENTS.window,
          tags: { ...sensorTags, window: w.window, kind: w.kind },
          fields: {
            count: int(w.count),
            mean: w.mean,
            std: w.std,
            min: w.min,
            max: w.max,
            first: w.first,
            last: w.last,
            start: w.start,
            seq_from: int(w.seqFrom),
            seq_to: int(w.seqTo),
            late: int(w.late),
          },
          timeMs: w.end,
        },
      ]
    }
    case 'anomaly': {
      const a = item.payload as AnomalyEvent
      return [
        {
          measurement: MEASUREMENTS.anomaly,
          tags: { ...sensorTags, detector: a.detector, level: a.level, kind: a.kind },
          fields: {
            value: a.value,
            score: a.score,
            threshold: a.threshold,
            baseline_mean: a.baseline.mean,
            baseline_std: a.baseline.std,
            baseline_n: int(a.baseline.n),
            seq: int(a.seq),
          },
          timeMs: a.t,
        },
        ...episodePoints(a, sensorTags),
      ]
    }
    case 'metrics': {
      const m = item.payload as ServiceMetrics
      const points: Point[] = Object.entries(m.hops).map(([hop, h]) => ({
        measurement: MEASUREMENTS.hop,
        tags: {
          service: m.service,
          instance: m.instance,
          hop,
          direction: h.direction,
          policy: h.policy,
        },
        fields: {
          in: int(h.in),
          out: int(h.out),
          dropped: int(Object.values(h.dropped).reduce((a, b) => a + b, 0)),
          rejected: int(h.rejected),
          queue_length: int(h.queue.length),
          queue_capacity: int(h.queue.capacity),
          lambda: h.lambda ?? NaN,
          mu: h.mu ?? NaN,
          rho: h.rho ?? NaN,
          w_ms: h.w ?? NaN,
          l: h.l ?? NaN,
          l_measured: h.lMeasured ?? NaN,
          p50_ms: h.latency?.p50 ?? NaN,
          p95_ms: h.latency?.p95 ?? NaN,
          p99_ms: h.latency?.p99 ?? NaN,
          gaps: h.gaps === undefined ? NaN : int(h.gaps),
          unexplained_loss: h.unexplainedLoss === undefined ? NaN : int(h.unexplainedLoss),
          state: h.state,
          spool_bytes: h.sink === undefined ? NaN : int(h.sink.spoolBytes),
          spool_max_bytes: h.sink === undefined ? NaN : int(h.sink.spoolMaxBytes),
          oldest_age_ms: h.sink?.oldestAgeMs ?? NaN,
          send_rate: h.sink?.sendRate ?? NaN,
          retries: h.sink === undefined ? NaN : int(h.sink.retries),
          failures: h.sink === undefined ? NaN : int(h.sink.failures),
          evicted: h.sink === undefined ? NaN : int(h.sink.evicted),
        },
        timeMs: m.t,
      }))
      if (m.process)
        points.push({
          measurement: MEASUREMENTS.process,
          tags: { service: m.service, instance: m.instance },
          fields: {
            rss_bytes: m.process.rssBytes === undefined ? NaN : int(m.process.rssBytes),
            heap_used_bytes:
              m.process.heapUsedBytes === undefined ? NaN : int(m.process.heapUsedBytes),
            cpu_percent: m.process.cpuPercent ?? NaN,
            event_loop_delay_p99_ms: m.process.eventLoopDelayP99 ?? NaN,
          },
          timeMs: m.t,
        })
      return points
    }
    case 'status':
      return []
  }
}
