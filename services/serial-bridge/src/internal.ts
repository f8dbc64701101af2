/**
 * @module @sluice/serial-bridge/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/serial-bridge`.
 */
export * from './index.js'
export { SerialBridgeConfigSchema, ChannelRangeSchema, deviceIdFromFile } from './config.js'
export type { SerialBridgeConfig, ResolvedBridgeConfig } from './config.js'
export type { SerialBridgeDeps } from './service.js'
export { BridgeErrorCode, PortListError, ReplayFileError } from './errors.js'
export type {
  IntakeCounters,
  IntakeResult,
  LineIntake,
  LineIntakeOptions,
} from './line/line-intake.js'
export {
  createMismatchDetector,
  describeMismatch,
  COMMON_BAUD_RATES,
} from './line/mismatch-detector.js'
export type {
  LineVerdict,
  MismatchDetector,
  MismatchDetectorOptions,
  MismatchEvent,
} from './line/mismatch-detector.js'
export { createRateGovernor } from './publish/rate-governor.js'
export type {
  GovernorNotice,
  RateGovernor,
  RateGovernorOptions,
  RateStep,
} from './publish/rate-governor.js'
export { createEdgeGate } from './publish/edge-gate.js'
export type { EdgeGate } from './publish/edge-gate.js'
export { createDeviceMetrics } from './publish/device-metrics.js'
export type { DeviceBackpressure, DeviceMetricsSource } from './publish/device-metrics.js'
export { createDownstreamPressure, downstreamHopSpec } from './handlers/downstream.js'
export type { DownstreamPressure, DownstreamPressureOptions } from './handlers/downstream.js'
export { createRawPublisher } from './publish/raw-publisher.js'
export type {
  RawHop,
  RawPublisher,
  RawPublisherOptions,
  RawPublisherStats,
} from './publish/raw-publisher.js'
export { parseReplayCsv, parseReplayTime, replayDueTime } from './replay/replay-csv.js'
export type { ReplayData, ReplayRecord } from './replay/replay-csv.js'
export { createSerialLink, describePortError } from './serial/serial-link.js'
export type {
  BackoffOptions,
  PortFactory,
  SerialLink,
  SerialLinkOptions,
  SerialLinkState,
  SerialPortLike,
} from './serial/serial-link.js'
export { listPorts, formatPortList, serialDeviceFiles } from './serial/list-ports.js'
export type { ListPortsDeps, PortEntry } from './serial/list-ports.js'
export { createSerialSource } from './sources/serial-source.js'
export type { SerialSource, SerialSourceOptions } from './sources/serial-source.js'
export { createSimSource } from './sources/sim-source.js'
export type { SimSourceOptions } from './sources/sim-source.js'
export { createReplaySource } from './sources/replay-source.js'
export type { ReplaySource, ReplaySourceOptions } from './sources/replay-source.js'
export type { BridgeSource, RateOutcome, Reading, SourceSink } from './sources/source.js'
export { createRateHandler, decodeRateRequest, rateHopSpec } from './handlers/rate.js'
export type { RateRequest } from './handlers/rate.js'
export { silentLogger } from './logger.js'
export type { BridgeLogger, LogFn } from './logger.js'
