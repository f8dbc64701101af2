/**
 * @module @sluice/contract
 * The contract between Sluice services: topic builders and parsers, payload schemas (TypeBox, which are
 * JSON Schemas) with their static types, versioned message ids, the codec, the AsyncAPI document built
 * from them, and the base `SluiceError`. Browser-safe.
 */
export {
  SluiceError,
  defineError,
  ContractErrorCode,
  InvalidIdentifierError,
  InvalidPayloadError,
} from './errors.js'
export type { PayloadIssue, BuiltError, ErrorSpec, SluiceErrorClass } from './errors.js'

export {
  DEFAULT_PREFIX,
  IDENTIFIER_PATTERN,
  SYS_SEGMENT,
  CTL_SEGMENT,
  isIdentifier,
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
  allFilter,
  parseTopic,
  sensorKey,
  parseSensorKey,
  topicMatches,
} from './topics.js'
export type { ParsedTopic, TopicKind, SensorRef } from './topics.js'

export {
  MessageIds,
  RAW_MESSAGE_ID,
  RAW_BATCH_MESSAGE_ID,
  WINDOW_MESSAGE_ID,
  ANOMALY_MESSAGE_ID,
  STATUS_MESSAGE_ID,
  METRICS_MESSAGE_ID,
  RATE_MESSAGE_ID,
} from './message-ids.js'
export type { MessageId } from './message-ids.js'

export {
  RawSampleSchema,
  RawBatchSchema,
  RAW_BATCH_MAX_SAMPLES,
  toRawBatch,
} from './payloads/raw.js'
export type { RawSample, RawBatch } from './payloads/raw.js'
export { TIME_MS_MAX, IDENTIFIER_MAX_LENGTH, isTimeMs } from './payloads/common.js'
export { WindowAggregateSchema, WindowKindSchema } from './payloads/window.js'
export type { WindowAggregate, WindowKind } from './payloads/window.js'
export {
  AnomalyEventSchema,
  AnomalyEventLevelSchema,
  AnomalyEventKindSchema,
  BaselineSchema,
  EpisodePhaseSchema,
  EpisodeSchema,
} from './payloads/anomaly.js'
export type {
  AnomalyEvent,
  AnomalyEventLevel,
  AnomalyEventKind,
  Episode,
  EpisodePhase,
} from './payloads/anomaly.js'
export { ServiceStatusSchema } from './payloads/status.js'
export type { ServiceStatus } from './payloads/status.js'
export {
  ServiceMetricsSchema,
  HopMetricsSchema,
  HopPolicySchema,
  HopStateSchema,
  DroppedSchema,
  ProcessMetricsSchema,
} from './payloads/metrics.js'
export type {
  ServiceMetrics,
  HopMetrics,
  HopPolicy,
  HopState,
  Dropped,
  DropReason,
  HandlerDropReason,
  ProcessMetrics,
} from './payloads/metrics.js'
export { toHopMetrics, readHopInterval } from './hop-metrics.js'
export type { HopMetricsInput, HopMetricsSpec, HopMetricsCounters } from './hop-metrics.js'
export { RateCommandSchema, RATE_MAX_HZ } from './payloads/rate.js'
export type { RateCommand } from './payloads/rate.js'
export { MessageSchemas } from './schemas.js'
export type { Payload, PayloadById } from './schemas.js'

export {
  encode,
  encodeText,
  decodeRaw,
  decodeRawBatch,
  decodeRawSamples,
  decodeWindow,
  decodeAnomaly,
  decodeStatus,
  decodeMetrics,
  decodeRate,
  decodeMessage,
} from './codec.js'
export type { DecodeResult, DecodeOptions, PayloadInput } from './codec.js'

export {
  DeviceFormIds,
  DeviceValueSchema,
  DeviceFieldsSchema,
  SenmlRecordSchema,
  SenmlPackSchema,
  DEVICE_FORM_EXAMPLES,
  decodeChannelForm,
  decodeDeviceRaw,
} from './device-forms.js'
export type {
  DeviceSample,
  DeviceValue,
  DeviceFields,
  SenmlPack,
  DeviceDecodeOptions,
} from './device-forms.js'

export { createAsyncApiDocument, ASYNCAPI_CHANNELS, MESSAGE_EXAMPLES } from './asyncapi.js'
export type { AsyncApiChannelSpec, AsyncApiOptions } from './asyncapi.js'

export {
  LINE_MAX_LENGTH,
  lineRejectReasons,
  lineChecksum,
  formatLine,
  formatRateCommand,
  formatInfoLine,
  parseLine,
  maxLinesPerSecond,
} from './line-protocol.js'
export type {
  LineRejectReason,
  ChannelRange,
  ParseLineOptions,
  DeviceInfo,
  SampleLine,
  InfoLine,
  AckLine,
  DeviceErrorLine,
  RejectedLine,
  ParsedLine,
} from './line-protocol.js'

export { epochMs } from './clock.js'
