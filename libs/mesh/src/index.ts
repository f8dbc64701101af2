/**
 * @module @sluice/mesh
 * The Sluice service runtime: config (file, env, flags → validated and frozen), logging, the MQTT
 * transport with its last will, bounded inbound and outbound hops with QoS and policy, metrics and status
 * publishing, and graceful shutdown. A service's `main.ts` is one `runService({ … })` call.
 */
export { runService, startService } from './run-service.js'
export { startPrometheusExporter } from './prometheus.js'
export type { PrometheusExporter, PrometheusExporterOptions } from './prometheus.js'
export type {
  ServiceContext,
  ServiceDefinition,
  ServiceHandle,
  ServiceImpl,
  StartServiceOptions,
  StopReport,
} from './run-service.js'
export {
  loadConfig,
  loadOptions,
  deepFreeze,
  CommonConfigSchema,
  HopConfigSchema,
  QosSchema,
  QueuePolicySchema,
} from './config.js'
export type {
  CommonConfig,
  HopConfig,
  LoadConfigOptions,
  LoadOptionsOptions,
  ServiceConfig,
} from './config.js'
export {
  MeshErrorCode,
  MeshConfigError,
  MeshConfigFileError,
  MeshConnectError,
  MeshHopError,
  MeshUnconfirmedError,
} from './errors.js'
export type { ConfigIssue } from './errors.js'
export { describeStartFailure } from './start-failure.js'
export type { StartFailure } from './start-failure.js'
export { silentLogger, createSampledLog } from './logger.js'
export type { LogFn, MeshLogger } from './logger.js'
export type {
  AckOutcome,
  MessageHandler,
  PublishOptions,
  Qos,
  Transport,
  TransportEvent,
  TransportMessage,
} from './transport/transport.js'
export { createMqttTransport } from './transport/mqtt.js'
export type { MqttTransportOptions } from './transport/mqtt.js'
export { createInboundHop, DEFAULT_MAX_AHEAD_MS } from './hop/inbound-hop.js'
export type {
  AckMode,
  HandleBatch,
  HopDecodeResult,
  InboundHop,
  InboundHopDeps,
  InboundHopSpec,
} from './hop/inbound-hop.js'
export { createSensorIntake, sensorIntakeConfigFields } from './hop/sensor-intake.js'
export type { SensorIntake, SensorIntakeContext, SensorIntakeSpec } from './hop/sensor-intake.js'
export { createOutboundHop } from './hop/outbound-hop.js'
export type {
  OutboundHop,
  OutboundHopDeps,
  OutboundHopSpec,
  OutboundPublishOptions,
} from './hop/outbound-hop.js'
export { withHopConfig } from './hop/hop-spec.js'
export type { HopQueueSpec, HopSpecBase } from './hop/hop-spec.js'
export { createMetricsPublisher } from './metrics.js'
export type { MetricsPublisher, MetricsPublisherOptions, MetricsSource } from './metrics.js'
