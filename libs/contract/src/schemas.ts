/**
 * @module schemas
 * The JSON Schema of every message, keyed by its versioned message id. This is what the codec compiles,
 * what the AsyncAPI document embeds, and what a non-TypeScript client can validate against.
 */
import type { TSchema } from '@sinclair/typebox'
import { MessageIds, type MessageId } from './message-ids.js'
import { AnomalyEventSchema, type AnomalyEvent } from './payloads/anomaly.js'
import { ServiceMetricsSchema, type ServiceMetrics } from './payloads/metrics.js'
import { RateCommandSchema, type RateCommand } from './payloads/rate.js'
import { RawBatchSchema, RawSampleSchema, type RawBatch, type RawSample } from './payloads/raw.js'
import { ServiceStatusSchema, type ServiceStatus } from './payloads/status.js'
import {
  HandoverSchema,
  ProgressSchema,
  SensorsRecordSchema,
  type Handover,
  type Progress,
  type SensorsRecord,
} from './payloads/group.js'
import {
  WindowAggregateSchema,
  WindowBatchSchema,
  type WindowAggregate,
  type WindowBatch,
} from './payloads/window.js'

/** The payload type of each message id. */
export interface PayloadById {
  'sluice.v1.raw': RawSample
  'sluice.v1.raw-batch': RawBatch
  'sluice.v1.window': WindowAggregate
  'sluice.v1.window-batch': WindowBatch
  'sluice.v2.anomaly': AnomalyEvent
  'sluice.v1.status': ServiceStatus
  'sluice.v1.metrics': ServiceMetrics
  'sluice.v1.rate': RateCommand
  'sluice.v1.sensors': SensorsRecord
  'sluice.v1.handover': Handover
  'sluice.v1.progress': Progress
}

/** Any payload Sluice publishes. */
export type Payload = PayloadById[MessageId]

/**
 * Every message schema by message id; each schema's `$id` is its key.
 *
 * @example
 * ```ts
 * MessageSchemas['sluice.v1.rate'].$id // 'sluice.v1.rate'
 * JSON.stringify(MessageSchemas[MessageIds.window]) // a plain JSON Schema
 * ```
 */
export const MessageSchemas: { readonly [K in MessageId]: TSchema } = {
  [MessageIds.raw]: RawSampleSchema,
  [MessageIds.rawBatch]: RawBatchSchema,
  [MessageIds.window]: WindowAggregateSchema,
  [MessageIds.windowBatch]: WindowBatchSchema,
  [MessageIds.anomaly]: AnomalyEventSchema,
  [MessageIds.status]: ServiceStatusSchema,
  [MessageIds.metrics]: ServiceMetricsSchema,
  [MessageIds.rate]: RateCommandSchema,
  [MessageIds.sensors]: SensorsRecordSchema,
  [MessageIds.handover]: HandoverSchema,
  [MessageIds.progress]: ProgressSchema,
}
