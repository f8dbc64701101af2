/**
 * @module config
 * The forwarder's config (DESIGN.md §9): any number of sinks, each with its own topic selection, batching,
 * rate limit, retry schedule and spool. With no sinks configured it writes windows and anomalies to a
 * JSONL file under `dataDir`, so `sluice up` forwards somewhere useful out of the box. Each sink type
 * declares its own settings in its file (`sinks/define-sink.ts`).
 */
import { Type, type Static } from '@sinclair/typebox'
import { sinkSchemas } from './sinks/registry.js'

export type { SinkConfig } from './sinks/registry.js'

/**
 * One sink's config entry: a union on `type` of every registered sink type's schema (`sinks/registry.ts`),
 * so an unknown type or setting is refused at start, naming the sink type and its settings.
 */
export const SinkConfigSchema = Type.Union(sinkSchemas, {
  description: 'A sink: its type, its delivery settings and its own.',
})

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
