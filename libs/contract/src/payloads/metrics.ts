/**
 * @module payloads/metrics
 * Hop metrics on `{p}/_sys/{service}/{instance}/metrics`, every second (DESIGN.md §5, §6). A hop is one
 * subscription or one publication of one service; each reports its counters, its queue, its arrival and
 * service rates with Little's law next to the measured queue length, its latency from `ingest`, and a
 * health `state`. Fields a hop kind cannot measure are omitted rather than sent as null.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { QueueDropReason } from '@sluice/stream'
import { MessageIds } from '../message-ids.js'
import { Count, Identifier, TimeMs } from './common.js'
import { GroupMetricsSchema } from './group.js'

/** The queue policies of DESIGN.md §5. */
export const HopPolicySchema = Type.Union([
  Type.Literal('drop-oldest'),
  Type.Literal('drop-newest'),
  Type.Literal('sample'),
  Type.Literal('block'),
])

/** `drop-oldest`, `drop-newest`, `sample` or `block`. */
export type HopPolicy = Static<typeof HopPolicySchema>

/** A hop's health (DESIGN.md §6). */
export const HopStateSchema = Type.Union([
  Type.Literal('ok'),
  Type.Literal('warning'),
  Type.Literal('critical'),
])

/** `ok`, `warning` (queue over 80 % full) or `critical` (over 95 %, or drop rate over 1 %). */
export type HopState = Static<typeof HopStateSchema>

/**
 * Drop counters by reason ({@link DropReason} lists them), each a cumulative count. The schema takes any
 * lower-case name, so a newer publisher's reason still decodes.
 */
export const DroppedSchema = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Count(), {
  description:
    'Cumulative drops by reason: oldest, newest, sampled (queue policies) and any hop-specific reason.',
})

/** Cumulative drops by reason. */
export type Dropped = Static<typeof DroppedSchema>

/**
 * Every reason a drop is counted under (the keys of `dropped`), in one place so that producers and
 * readers of metrics spell them alike (issue 11, item 10; issue 12):
 * - queue policies ({@link QueueDropReason} of `@sluice/stream`): `oldest`, `newest`, `sampled`;
 * - hops: `shutdown` (still queued when the drain deadline passed), `left` (left at the broker for a
 *   persistent session), `unconfirmed` (handled, but its output was dropped further on), `failed` (the
 *   transport refused a publish), `handler-error` (the service's handler threw);
 * - intake: `future` (event time too far ahead of the receiving clock, see `maxAheadMs`), `duplicate`
 *   (a message the engine delivered again after this client had acknowledged it: JetStream failover);
 * - decided by the service and told to its hop ({@link HandlerDropReason}): `max-sensors` (a sensor
 *   beyond the service's `maxSensors`), `late` (behind a time window's watermark);
 * - edges and sinks: `edge` (the serial bridge, at the device), `evicted`, `spool-failed` and
 *   `spool-corrupt` (the forwarder's spool);
 * - detectors: `join-incomplete` (the anomaly service's per-device rows never completed in time);
 * - groups: `handover` (samples of a sensor another instance of the group owns now: it takes them).
 */
export type DropReason =
  | QueueDropReason
  | 'shutdown'
  | 'left'
  | 'unconfirmed'
  | 'failed'
  | 'handler-error'
  | 'future'
  | 'max-sensors'
  | 'late'
  | 'edge'
  | 'evicted'
  | 'spool-failed'
  | 'spool-corrupt'
  | 'join-incomplete'
  | 'handover'
  | 'duplicate'

/** The drop reasons a service decides itself, outside its hops, and reports through its inbound hop. */
export type HandlerDropReason = Extract<DropReason, 'max-sensors' | 'late' | 'handover'>

/** JSON Schema of one hop's metrics. */
export const HopMetricsSchema = Type.Object(
  {
    direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
    topic: Type.Optional(
      Type.String({ description: 'The topic or filter this hop publishes to or subscribes to.' }),
    ),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
    policy: HopPolicySchema,
    in: Count('Samples taken into the hop (cumulative).'),
    out: Count('Samples passed on by the hop (cumulative).'),
    dropped: DroppedSchema,
    rejected: Count('Payloads rejected as invalid (cumulative).'),
    queue: Type.Object({
      length: Count('Samples queued now.'),
      capacity: Count('Queue capacity in samples.'),
    }),
    lambda: Type.Optional(Type.Number({ minimum: 0, description: 'Arrival rate λ (samples/s).' })),
    mu: Type.Optional(Type.Number({ minimum: 0, description: 'Service rate μ (samples/s).' })),
    rho: Type.Optional(
      Type.Number({ minimum: 0, description: 'Utilisation ρ = λ/μ; omitted when μ = 0.' }),
    ),
    w: Type.Optional(Type.Number({ minimum: 0, description: 'Mean wait W in the queue (ms).' })),
    l: Type.Optional(Type.Number({ minimum: 0, description: "Little's L = λW (samples)." })),
    lMeasured: Type.Optional(
      Type.Number({ minimum: 0, description: 'Measured mean queue length (samples), next to L.' }),
    ),
    latency: Type.Optional(
      Type.Object(
        {
          p50: Type.Number(),
          p95: Type.Number(),
          p99: Type.Number(),
        },
        { description: 'Latency from ingest (ms) over the last interval.' },
      ),
    ),
    state: HopStateSchema,
    gaps: Type.Optional(Count('Samples missing from per-sensor sequence numbers (cumulative).')),
    unexplainedLoss: Type.Optional(
      Type.Integer({ description: 'Gaps minus counted drops; should be 0 on QoS 1 hops.' }),
    ),
    sensors: Type.Optional(
      Count(
        'Inbound hops: sensors (device/channel keys) received so far, at most 100 000 tracked.',
      ),
    ),
    unsequenced: Type.Optional(
      Count(
        'Samples without a sequence number (devices publishing directly without seq), cumulative: ' +
          'their loss cannot be known. gaps and unexplainedLoss cover only sequenced samples, and are ' +
          'left out while every sample is unsequenced.',
      ),
    ),
    sink: Type.Optional(
      Type.Object(
        {
          spoolBytes: Count("Bytes in the sink's disk spool."),
          spoolMaxBytes: Count("The spool's cap; the oldest records are evicted past it."),
          oldestAgeMs: Type.Number({
            minimum: 0,
            description: 'Age of the oldest unsent record (ms).',
          }),
          sendRate: Type.Number({
            minimum: 0,
            description: 'Records sent per second (last interval).',
          }),
          retries: Count('Sends retried (cumulative).'),
          failures: Count('Sends that failed (cumulative).'),
          evicted: Count('Records evicted unsent at the spool cap (cumulative).'),
          tornTails: Count('Torn spool tails cut off at start (crash mid-write).'),
          lastError: Type.Optional(Type.String()),
        },
        {
          description:
            'Forwarder sinks only: the spool and the delivery to the destination (DESIGN.md §9).',
        },
      ),
    ),
    device: Type.Optional(
      Type.Object(
        {
          id: Identifier('The device.'),
          mode: Type.Union(
            [Type.Literal('free'), Type.Literal('throttled'), Type.Literal('edge')],
            {
              description:
                'free: at the rate asked for; throttled: slowed down by R<hz> under pressure; edge: ' +
                'the device did not acknowledge a rate command, so the bridge drops at the edge instead.',
            },
          ),
          pressure: Type.Union(
            [Type.Literal('none'), Type.Literal('queue'), Type.Literal('downstream')],
            {
              description:
                "What pushes back now: the bridge's own outbound queue over its high mark, or a " +
                'downstream hop consuming raw samples reported critical.',
            },
          ),
          targetHz: Type.Optional(
            Type.Number({ minimum: 0, description: 'The rate the operator (or the device) set.' }),
          ),
          appliedHz: Type.Optional(
            Type.Number({
              minimum: 0,
              description: 'The rate asked of the device (or kept at the edge) now.',
            }),
          ),
          ackedHz: Type.Optional(
            Type.Number({
              minimum: 0,
              description: 'The rate the device last acknowledged (OK R<hz>).',
            }),
          ),
          commands: Count('Rate commands sent because of pressure (cumulative).'),
          edgeDropped: Count('Samples dropped at the edge (cumulative).'),
        },
        {
          description:
            'Serial bridge only: backpressure to the device (DESIGN.md §5, §10), on its `device` hop.',
        },
      ),
    ),
    detectors: Type.Optional(
      Type.Object(
        {
          sensors: Count('Sensors with a detector.'),
          learning: Count('Sensors whose detector is still learning (raises nothing yet).'),
          normal: Count('Sensors learned and normal.'),
          anomalous: Count('Sensors in an episode now.'),
          learningSensors: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              maxItems: 1000,
              description:
                'The keys (device/channel) of the sensors still learning, sorted, at most 1 000: the ' +
                "dashboard's sensor list shows them as learning rather than ok.",
            }),
          ),
          devices: Count('Devices with a multivariate detector (two or more channels).'),
          devicesLearning: Count('Of those, still learning.'),
          devicesAnomalous: Count('Of those, in an episode now.'),
          episodes: Count('Episodes started (cumulative).'),
        },
        {
          description:
            'Anomaly service only, on its `detectors` entry: how many detectors are learning, normal ' +
            'or in an episode (DESIGN.md §8).',
        },
      ),
    ),
  },
  { description: 'Metrics of one hop (one subscription or one publication).' },
)

/** One hop's metrics. */
export type HopMetrics = Static<typeof HopMetricsSchema>

/** Optional process-level figures a service may add next to its hops. */
export const ProcessMetricsSchema = Type.Object({
  rssBytes: Type.Optional(Count()),
  heapUsedBytes: Type.Optional(Count()),
  cpuPercent: Type.Optional(Type.Number({ minimum: 0 })),
  eventLoopDelayP99: Type.Optional(
    Type.Number({ minimum: 0, description: 'Event loop delay p99 (ms).' }),
  ),
})

/** Process-level figures. */
export type ProcessMetrics = Static<typeof ProcessMetricsSchema>

/**
 * JSON Schema of a metrics message, `sluice.v1.metrics`.
 *
 * @example
 * ```json
 * {"service": "windowing", "instance": "w1", "t": 1732480001000, "hops": {"raw-in": {"direction": "in",
 *  "qos": 1, "policy": "drop-oldest", "in": 5000, "out": 4990, "dropped": {"oldest": 10}, "rejected": 0,
 *  "queue": {"length": 12, "capacity": 10000}, "lambda": 5000, "mu": 5200, "rho": 0.96, "w": 2.4,
 *  "l": 12, "lMeasured": 11.8, "latency": {"p50": 1.2, "p95": 3.4, "p99": 6.1}, "state": "ok",
 *  "gaps": 10, "unexplainedLoss": 0}}}
 * ```
 */
export const ServiceMetricsSchema = Type.Object(
  {
    service: Identifier('Service name.'),
    instance: Identifier('Instance id.'),
    t: TimeMs('When the metrics were taken (ms since the epoch).'),
    hops: Type.Record(Type.String({ minLength: 1 }), HopMetricsSchema, {
      description: 'Metrics per hop, keyed by hop name.',
    }),
    process: Type.Optional(ProcessMetricsSchema),
    group: Type.Optional(GroupMetricsSchema),
  },
  {
    $id: MessageIds.metrics,
    title: 'Service metrics',
    description: 'Per-hop counters, queues, rates, latency and health of one service instance.',
  },
)

/** A metrics message as it travels on the wire. */
export type ServiceMetrics = Static<typeof ServiceMetricsSchema>
