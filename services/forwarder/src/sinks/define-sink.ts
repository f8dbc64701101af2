/**
 * @module sinks/define-sink
 * How a sink type declares itself, in the manner of a Redpanda Connect component: its `type` name, a
 * one-line summary, the config settings of its own (a TypeBox schema, with defaults) and the factory that
 * builds it from a validated config entry. The forwarder's config schema, `sluice forward --help` and the
 * sink tables of docs/forwarder.md are all made from these declarations (`sinks/registry.ts`), so a new sink
 * is one file plus its line in that registry.
 */
import { Type, type Static, type TLiteral, type TObject, type TProperties } from '@sinclair/typebox'
import type { Sink } from './sink.js'

const Name = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Sink name (spool folder, metrics hop). Unique.',
})

/** The delivery settings every sink has: its topic selection, batching, rate limit, retries and spool. */
export const DeliverySettings = {
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
  retryBaseMs: Type.Integer({
    minimum: 1,
    default: 500,
    description: 'First retry delay (exponential backoff with full jitter).',
  }),
  retryMaxMs: Type.Integer({ minimum: 1, default: 30_000, description: 'Longest retry delay.' }),
  spoolMaxBytes: Type.Integer({
    minimum: 65_536,
    default: 64 * 1024 * 1024,
    description: 'Spool cap; oldest evicted past it.',
  }),
}

/** The config schema of a sink type: its `type`, the delivery settings and its own. */
export type SinkSchema<T extends string, P extends TProperties> = TObject<
  { type: TLiteral<T> } & typeof DeliverySettings & P
>

/** What a sink's factory gets besides its config entry. */
export interface SinkEnv {
  /** The forwarder's `dataDir` (default file locations). */
  readonly dataDir: string
}

/** A registered sink type. */
export interface SinkType<T extends string = string, P extends TProperties = TProperties> {
  readonly type: T
  /** One line for `--help` and the docs. */
  readonly summary: string
  /** The settings of its own (not the delivery settings every sink has), for the docs. */
  readonly settings: P
  /** Its whole config entry's schema. */
  readonly schema: SinkSchema<T, P>
  /** Builds the sink from a validated config entry. */
  create(config: Static<SinkSchema<T, P>>, env: SinkEnv): Sink
}

/**
 * Declares a sink type.
 *
 * @example
 * export const nullSinkType = defineSink({
 *   type: 'null',
 *   summary: 'Drops everything (for benchmarks).',
 *   settings: {},
 *   create: (c) => ({ name: c.name, type: 'null', encode: () => [], send: async () => {}, close: async () => {} }),
 * })
 */
export function defineSink<T extends string, P extends TProperties>(def: {
  readonly type: T
  readonly summary: string
  readonly settings: P
  readonly create: (config: Static<SinkSchema<T, P>>, env: SinkEnv) => Sink
}): SinkType<T, P> {
  const schema = Type.Object(
    { type: Type.Literal(def.type), ...DeliverySettings, ...def.settings },
    { additionalProperties: false, title: `sink ${def.type}`, description: def.summary },
  ) as unknown as SinkSchema<T, P>
  return Object.freeze({ ...def, schema })
}
