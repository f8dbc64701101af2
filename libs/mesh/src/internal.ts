/**
 * @module @sluice/mesh/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/mesh`.
 */
export * from './index.js'
export type { PrometheusExporter, PrometheusExporterOptions } from './prometheus.js'
export type { StartServiceOptions, StopReport } from './run-service.js'
export { deepFreeze, HopConfigSchema, QosSchema, QueuePolicySchema } from './config.js'
export type {
  CommonConfig,
  HopConfig,
  LoadConfigOptions,
  LoadOptionsOptions,
  ServiceConfig,
} from './config.js'
export {
  MeshErrorCode,
  MeshConfigFileError,
  MeshConnectError,
  MeshHopError,
  MeshUnconfirmedError,
} from './errors.js'
export { describeStartFailure } from './start-failure.js'
export type { NatsTransportOptions } from './transport/nats/nats.js'
export type { StartFailure } from './start-failure.js'
export type { LogFn } from './logger.js'
export type {
  AckOutcome,
  MessageHandler,
  PublishOptions,
  Qos,
  TransportEvent,
  TransportMessage,
} from './transport/transport.js'
export type { MqttTransportOptions } from './transport/mqtt.js'
export { DEFAULT_MAX_AHEAD_MS } from './hop/inbound-hop.js'
export type { AckMode, InboundHop, InboundHopDeps } from './hop/inbound-hop.js'
export type { SensorIntake, SensorIntakeContext, SensorIntakeSpec } from './hop/sensor-intake.js'
export type {
  OutboundHop,
  OutboundHopDeps,
  OutboundHopSpec,
  OutboundPublishOptions,
} from './hop/outbound-hop.js'
export { withHopConfig } from './hop/hop-spec.js'
export type { HopQueueSpec, HopSpecBase } from './hop/hop-spec.js'
export { createMetricsPublisher } from './metrics.js'
export type { MetricsPublisher, MetricsPublisherOptions } from './metrics.js'
