/**
 * @module @sluice/forwarder
 * The forwarder service: windows and anomalies (or any selected topics) out to InfluxDB, HTTP, a cloud MQTT
 * broker or files, each sink rate-limited, batched, retried and spooled to disk (DESIGN.md §9).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { ForwarderConfigSchema } from './config.js'
import { createForwarderService } from './service.js'

export { ForwarderConfigSchema, SinkConfigSchema } from './config.js'
export type { ForwarderConfig, SinkConfig } from './config.js'
export { createForwarderService, DEFAULT_SINK } from './service.js'
export { createSinkHop } from './sink-hop.js'
export type { SinkHop, SinkHopOptions } from './sink-hop.js'
export { openSpool, Spool } from './spool/spool.js'
export type { SpoolBatch, SpoolCursor, SpoolFs, SpoolOptions, SpoolStats } from './spool/spool.js'
export { encodePoint } from './sinks/line-protocol.js'
export { INFLUX_SCHEMA, MEASUREMENTS, toPoints } from './sinks/influx-points.js'
export type { Point } from './sinks/line-protocol.js'
export {
  SinkSendError,
  ForwarderErrorCode,
  ForwarderConfigError,
  SpoolWriteError,
} from './errors.js'
export type { ForwardItem, Sink } from './sinks/sink.js'
export { createSink, findSinkType, sinkTypes } from './sinks/registry.js'
export { defineSink, DeliverySettings } from './sinks/define-sink.js'
export type { SinkEnv, SinkSchema, SinkType } from './sinks/define-sink.js'

/** The forwarder service, as `runService` and `sluice forward` run it. */
export const forwarderService: ServiceDefinition<typeof ForwarderConfigSchema> = {
  name: 'forwarder',
  version: '0.1.0',
  configSchema: ForwarderConfigSchema,
  create: createForwarderService,
}
