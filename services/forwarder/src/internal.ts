/**
 * @module @sluice/forwarder/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/forwarder`.
 */
export * from './index.js'
export { ForwarderConfigSchema, SinkConfigSchema } from './config.js'
export type { ForwarderConfig, SinkConfig } from './config.js'
export { createForwarderService, DEFAULT_SINK } from './service.js'
export type { SinkHop, SinkHopOptions } from './sink-hop.js'
export { openSpool, Spool } from './spool/spool.js'
export type { SpoolBatch, SpoolCursor, SpoolFs, SpoolOptions, SpoolStats } from './spool/spool.js'
export { encodePoint } from './sinks/line-protocol.js'
export { INFLUX_SCHEMA, MEASUREMENTS, toPoints } from './sinks/influx-points.js'
export type { Point } from './sinks/line-protocol.js'
export { ForwarderErrorCode, ForwarderConfigError, SpoolWriteError } from './errors.js'
export { createSink, findSinkType, sinkTypes } from './sinks/registry.js'
export { defineSink, DeliverySettings } from './sinks/define-sink.js'
export type { SinkEnv, SinkSchema, SinkType } from './sinks/define-sink.js'
