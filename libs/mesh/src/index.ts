/**
 * @module @sluice/mesh
 * The Sluice service runtime: config (file, env, flags → validated and frozen), logging, the MQTT
 * transport with its last will, bounded inbound and outbound hops with QoS and policy, metrics and status
 * publishing, and graceful shutdown. A service's `main.ts` is one `runService({ … })` call.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export { runService, startService } from './run-service.js'
export { startPrometheusExporter } from './prometheus.js'
export type {
  ServiceContext,
  ServiceDefinition,
  ServiceHandle,
  ServiceImpl,
} from './run-service.js'
export { loadConfig, loadOptions, CommonConfigSchema } from './config.js'
export { MeshConfigError } from './errors.js'
export { listenRefusalReason } from './listen-refusal.js'
export type { ConfigIssue } from './errors.js'
export { silentLogger, createSampledLog } from './logger.js'
export type { MeshLogger } from './logger.js'
export type { Transport } from './transport/transport.js'
export { createMqttTransport } from './transport/mqtt.js'
export { createNatsTransport } from './transport/nats/nats.js'
export { createTransport } from './transport/create.js'
export { registerLocalBroker } from './transport/local-brokers.js'
export { sendPacketsPromptly, writeOncePerTurn } from './transport/write-once-per-turn.js'
export { createInboundHop } from './hop/inbound-hop.js'
export type { HandleBatch, HopDecodeResult, InboundHopSpec } from './hop/inbound-hop.js'
export { createSensorIntake, sensorIntakeConfigFields } from './hop/sensor-intake.js'
export { createOutboundHop } from './hop/outbound-hop.js'
export type { OutboundHop } from './hop/outbound-hop.js'
export { createLinger } from './hop/linger.js'
export { inBatches } from './hop/linger-batches.js'
export type { LingerLink } from './hop/linger.js'
export type { LingerFlush, LingerOptions } from './hop/linger-batches.js'
export type { MetricsSource } from './metrics.js'
