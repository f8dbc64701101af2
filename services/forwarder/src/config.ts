/**
 * @module config
 * The forwarder's config (DESIGN.md §9): any number of sinks, each with its own topic selection, batching,
 * rate limit, retry schedule and spool. With no sinks configured it writes windows and anomalies to a
 * JSONL file under `dataDir`, so `sluice up` forwards somewhere useful out of the box.
 */
import { Type, type Static } from '@sinclair/typebox'

const Name = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Sink name (spool folder, metrics hop).',
})

/** What every sink has. */
const delivery = {
  name: Name,
  topics: Type.Array(Type.String({ minLength: 1 }), {
    default: ['window', 'anomaly'],
    minItems: 1,
    description: 'Kinds (raw, window, anomaly, metrics, status) or MQTT filters to forward.',
  }),
  batchSize: Type.Integer({ minimum: 1, default: 500, description: 'Records per send.' }),
  lingerMs: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'Longest wait for a full batch.',
  }),
  ratePerSecond: Type.Number({
    minimum: 0,
    default: 0,
    description: 'Points per second (0 = no limit).',
  }),
  burst: Type.Integer({ minimum: 1, default: 100, description: 'Token bucket depth (points).' }),
  retryBaseMs: Type.Integer({ minimum: 1, default: 500 }),
  retryMaxMs: Type.Integer({ minimum: 1, default: 30_000 }),
  spoolMaxBytes: Type.Integer({
    minimum: 65_536,
    default: 64 * 1024 * 1024,
    description: 'Spool cap; oldest evicted past it.',
  }),
}

export const FileSinkSchema = Type.Object(
  {
    type: Type.Literal('file'),
    ...delivery,
    path: Type.Optional(
      Type.String({ description: 'JSONL file (default <dataDir>/<name>.jsonl).' }),
    ),
    rotateBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
    keep: Type.Integer({ minimum: 0, default: 5 }),
  },
  { additionalProperties: false },
)

export const InfluxSinkSchema = Type.Object(
  {
    type: Type.Literal('influx'),
    ...delivery,
    url: Type.String({
      pattern: '^https?://',
      description: 'InfluxDB base URL, e.g. http://127.0.0.1:8086',
    }),
    apiVersion: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], { default: 1 }),
    database: Type.Optional(Type.String({ description: 'v1 database / v3 database.' })),
    retentionPolicy: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    org: Type.Optional(Type.String({ description: 'v2 organisation.' })),
    bucket: Type.Optional(Type.String({ description: 'v2 bucket.' })),
    token: Type.Optional(Type.String({ description: 'v2/v3 API token.' })),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
)

export const HttpSinkSchema = Type.Object(
  {
    type: Type.Literal('http'),
    ...delivery,
    url: Type.String({ pattern: '^https?://' }),
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
    hmacSecret: Type.Optional(
      Type.String({ description: 'Signs each body: X-Sluice-Signature: sha256=<hex>.' }),
    ),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
)

export const MqttSinkSchema = Type.Object(
  {
    type: Type.Literal('mqtt'),
    ...delivery,
    url: Type.String({ pattern: '^(mqtts?|wss?)://', description: 'The remote broker.' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    clientId: Type.Optional(Type.String()),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 1 }),
    topicPrefix: Type.Optional(Type.String({ description: 'Prepended to every forwarded topic.' })),
    caFile: Type.Optional(Type.String()),
    certFile: Type.Optional(Type.String()),
    keyFile: Type.Optional(Type.String()),
    rejectUnauthorized: Type.Boolean({ default: true }),
    timeoutMs: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Longest wait for a batch to be acknowledged.',
    }),
  },
  { additionalProperties: false },
)

export const SinkConfigSchema = Type.Union([
  FileSinkSchema,
  InfluxSinkSchema,
  HttpSinkSchema,
  MqttSinkSchema,
])
export type SinkConfig = Static<typeof SinkConfigSchema>

/** The forwarder's own settings. */
export const ForwarderConfigSchema = Type.Object({
  dataDir: Type.String({
    default: 'sluice-data',
    description: 'Spools live in <dataDir>/spool/<sink>.',
  }),
  sinks: Type.Array(SinkConfigSchema, {
    default: [],
    description: 'Destinations; none = one JSONL file of windows and anomalies in dataDir.',
  }),
})

export type ForwarderConfig = Static<typeof ForwarderConfigSchema>
