/**
 * @module @sluice/contract
 * The contract between Sluice services: topic builders and parsers, payload schemas (TypeBox, which are
 * JSON Schemas) with their static types, versioned message ids, the codec, the AsyncAPI document built
 * from them, the base `SluiceError`, and the text of a nats-server config (`natsServerConfig`).
 * Browser-safe.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export { SluiceError, defineError } from './errors.js'
export type { BuiltError, ErrorSpec, SluiceErrorClass } from './errors.js'
export {
  DEFAULT_PREFIX,
  isIdentifier,
  toIdentifier,
  assertIdentifier,
  assertPrefix,
  rawTopic,
  deviceRawTopic,
  deviceRawFilter,
  windowTopic,
  anomalyTopic,
  rateTopic,
  statusTopic,
  metricsTopic,
  rawFilter,
  windowFilter,
  anomalyFilter,
  rateFilter,
  statusFilter,
  metricsFilter,
  sysFilter,
  sensorsTopic,
  sensorsFilter,
  handoverTopic,
  handoverFilter,
  progressTopic,
  progressFilter,
  parseTopic,
  sensorKey,
  parseSensorKey,
  topicMatches,
  createTopicMatcher,
} from './topics.js'
export { MessageIds } from './message-ids.js'
export {
  topicToSubject,
  subjectToTopic,
  dataStreams,
  streamOf,
  subjectsOverlap,
  retainedBucket,
} from './subjects.js'
export type { DataStream } from './subjects.js'
export { RawBatchSchema, RAW_BATCH_MAX_SAMPLES, toRawBatch } from './payloads/raw.js'
export type { RawSample, RawBatch } from './payloads/raw.js'
export { WINDOW_BATCH_MAX_AGGREGATES } from './payloads/window.js'
export type { WindowAggregate } from './payloads/window.js'
export type { AnomalyEvent } from './payloads/anomaly.js'
export type { ServiceStatus } from './payloads/status.js'
export type { GroupTopic } from './topics.js'
export type { SensorsRecord, Handover, Progress, GroupMetrics } from './payloads/group.js'
export { HopPolicySchema } from './payloads/metrics.js'
export type {
  ServiceMetrics,
  HopMetrics,
  DropReason,
  HandlerDropReason,
} from './payloads/metrics.js'
export { toHopMetrics, readHopInterval } from './hop-metrics.js'
export {
  encode,
  encodeText,
  decodeRawSamples,
  decodeWindow,
  decodeWindows,
  decodeAnomaly,
  decodeStatus,
  decodeMetrics,
  decodeRate,
  decodeSensors,
  decodeHandover,
  decodeProgress,
} from './codec.js'
export { decodeDeviceRaw } from './device-forms.js'
export {
  columnSamples,
  scanRawColumns,
  samplesFromColumns,
  type RawColumns,
} from './raw-batch-scan.js'
export { MESSAGE_EXAMPLES } from './asyncapi.js'
export {
  lineRejectReasons,
  formatLine,
  formatRateCommand,
  formatInfoLine,
  parseLine,
} from './line-protocol.js'
export type { LineRejectReason, ChannelRange, DeviceInfo } from './line-protocol.js'
export { epochMs } from './clock.js'
export { natsServerConfig } from './nats-server-config.js'
export type { NatsServerConfigOptions } from './nats-server-config.js'
