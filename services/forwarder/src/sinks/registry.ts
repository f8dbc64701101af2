/**
 * @module sinks/registry
 * Every sink type the forwarder knows, each declared in its own file with {@link defineSink}. The config
 * schema (`SinkConfigSchema`), `createSink`, `sluice forward --help` and the sink tables of
 * docs/forwarder.md all read this list; adding a sink is its file and one line here.
 */
import type { Static, TSchema, TUnion } from '@sinclair/typebox'
import { ForwarderConfigError } from '../errors.js'
import type { SinkEnv, SinkType } from './define-sink.js'
import { fileSinkType } from './file.js'
import { httpSinkType } from './http.js'
import { influxSinkType } from './influx.js'
import { mqttSinkType } from './mqtt.js'
import type { Sink } from './sink.js'

/** The registered sink types, in the order the docs and `--help` list them. */
export const sinkTypes = [influxSinkType, httpSinkType, mqttSinkType, fileSinkType] as const

type SchemasOf<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? [H extends { readonly schema: infer S extends TSchema } ? S : never, ...SchemasOf<R>]
  : []
type SinkSchemas = SchemasOf<typeof sinkTypes>

/** The schemas of every registered sink type, as a tuple (so the union's static type is exact). */
export const sinkSchemas = sinkTypes.map((s) => s.schema) as unknown as SinkSchemas

/** One sink's config entry, as validated: a union on `type`. */
export type SinkConfig = Static<TUnion<SinkSchemas>>

/** The registered sink type named `type`, or undefined. */
export function findSinkType(type: string): SinkType | undefined {
  return (sinkTypes as readonly SinkType[]).find((s) => s.type === type)
}

/**
 * Creates the sink a config entry describes, with its type's factory.
 *
 * @throws ForwarderConfigError when `type` names no registered sink (the config schema refuses it first).
 */
export function createSink(config: SinkConfig, dataDir: string): Sink {
  const sinkType = findSinkType(config.type)
  if (sinkType === undefined) {
    throw new ForwarderConfigError(
      `unknown sink type "${config.type}": it is not one of ${sinkTypes.map((s) => s.type).join(', ')}`,
    )
  }
  // The schema union tied `config` to its type, which the lookup by name found.
  return sinkType.create(config, { dataDir } satisfies SinkEnv)
}
