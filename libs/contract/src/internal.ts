/**
 * @module @sluice/contract/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/contract`.
 */
export * from './index.js'
export { subjectWithin } from './subjects.js'
export type { DataStreamKind } from './subjects.js'
export {
  ContractErrorCode,
  InvalidIdentifierError,
  InvalidPayloadError,
  NatsServerConfigError,
} from './errors.js'
export type { PayloadIssue, NatsConfigIssue } from './errors.js'
export { IDENTIFIER_PATTERN, SYS_SEGMENT, CTL_SEGMENT, allFilter } from './topics.js'
export type { ParsedTopic, TopicKind, SensorRef } from './topics.js'
export {
  RAW_MESSAGE_ID,
  RAW_BATCH_MESSAGE_ID,
  WINDOW_MESSAGE_ID,
  WINDOW_BATCH_MESSAGE_ID,
  ANOMALY_MESSAGE_ID,
  STATUS_MESSAGE_ID,
  METRICS_MESSAGE_ID,
  RATE_MESSAGE_ID,
} from './message-ids.js'
export type { MessageId } from './message-ids.js'
export { RawSampleSchema } from './payloads/raw.js'
export { TIME_MS_MAX, IDENTIFIER_MAX_LENGTH, isTimeMs } from './payloads/common.js'
export { WindowAggregateSchema, WindowBatchSchema, WindowKindSchema } from './payloads/window.js'
export type { WindowBatch } from './payloads/window.js'
export type { WindowKind } from './payloads/window.js'
export {
  AnomalyEventSchema,
  AnomalyEventLevelSchema,
  AnomalyEventKindSchema,
  BaselineSchema,
  EpisodePhaseSchema,
  EpisodeSchema,
} from './payloads/anomaly.js'
export type {
  AnomalyEventLevel,
  AnomalyEventKind,
  Episode,
  EpisodePhase,
} from './payloads/anomaly.js'
export { ServiceStatusSchema } from './payloads/status.js'
export {
  ServiceMetricsSchema,
  HopMetricsSchema,
  HopStateSchema,
  DroppedSchema,
  ProcessMetricsSchema,
} from './payloads/metrics.js'
export type { HopPolicy, HopState, Dropped, ProcessMetrics } from './payloads/metrics.js'
export type { HopMetricsInput, HopMetricsSpec, HopMetricsCounters } from './hop-metrics.js'
export { RateCommandSchema, RATE_MAX_HZ } from './payloads/rate.js'
export type { RateCommand } from './payloads/rate.js'
export { MessageSchemas } from './schemas.js'
export type { Payload, PayloadById } from './schemas.js'
export { decodeRaw, decodeRawBatch, decodeWindowBatch, decodeMessage } from './codec.js'
export type { DecodeResult, DecodeOptions, PayloadInput } from './codec.js'
export {
  DeviceFormIds,
  DeviceValueSchema,
  DeviceFieldsSchema,
  SenmlRecordSchema,
  SenmlPackSchema,
  DEVICE_FORM_EXAMPLES,
  decodeChannelForm,
} from './device-forms.js'
export type {
  DeviceSample,
  DeviceValue,
  DeviceFields,
  SenmlPack,
  DeviceDecodeOptions,
} from './device-forms.js'
export { createAsyncApiDocument, ASYNCAPI_CHANNELS } from './asyncapi.js'
export type { AsyncApiChannelSpec, AsyncApiOptions } from './asyncapi.js'
export { LINE_MAX_LENGTH, lineChecksum, maxLinesPerSecond } from './line-protocol.js'
export type {
  ParseLineOptions,
  SampleLine,
  InfoLine,
  AckLine,
  DeviceErrorLine,
  RejectedLine,
  ParsedLine,
} from './line-protocol.js'
export {
  quoteNatsString,
  NATS_DEFAULT_MAX_MEMORY_STORE,
  NATS_DEFAULT_MAX_FILE_STORE,
} from './nats-server-config.js'
export type { NatsUser } from './nats-server-config.js'
