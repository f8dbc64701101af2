/**
 * @module message-ids
 * Versioned message ids: one per payload shape, used as each JSON Schema's `$id` and as the message name
 * in the AsyncAPI document. A breaking change to a payload gets a new id (`sluice.v2.raw`), so old and new
 * consumers can tell the shapes apart.
 */

/**
 * Every message id Sluice publishes.
 *
 * @example
 * ```ts
 * MessageIds.window // 'sluice.v1.window'
 * ```
 */
export const MessageIds = {
  raw: 'sluice.v1.raw',
  rawBatch: 'sluice.v1.raw-batch',
  window: 'sluice.v1.window',
  windowBatch: 'sluice.v1.window-batch',
  anomaly: 'sluice.v2.anomaly',
  status: 'sluice.v1.status',
  metrics: 'sluice.v1.metrics',
  rate: 'sluice.v1.rate',
  sensors: 'sluice.v1.sensors',
  handover: 'sluice.v1.handover',
  progress: 'sluice.v1.progress',
} as const

/** One of the values of {@link MessageIds}. */
export type MessageId = (typeof MessageIds)[keyof typeof MessageIds]

/** `sluice.v1.raw`: one raw sample. */
export const RAW_MESSAGE_ID = MessageIds.raw
/** `sluice.v1.raw-batch`: a batch of raw samples as parallel arrays. */
export const RAW_BATCH_MESSAGE_ID = MessageIds.rawBatch
/** `sluice.v1.window`: one window aggregate. */
export const WINDOW_MESSAGE_ID = MessageIds.window
/** `sluice.v1.window-batch`: several window aggregates of one topic, as a JSON array. */
export const WINDOW_BATCH_MESSAGE_ID = MessageIds.windowBatch
/** `sluice.v2.anomaly`: one anomaly episode event (start, update or end); extends v1. */
export const ANOMALY_MESSAGE_ID = MessageIds.anomaly
/** `sluice.v1.status`: a service instance's retained status. */
export const STATUS_MESSAGE_ID = MessageIds.status
/** `sluice.v1.metrics`: a service instance's hop metrics. */
export const METRICS_MESSAGE_ID = MessageIds.metrics
/** `sluice.v1.rate`: a sampling-rate command to a device. */
export const RATE_MESSAGE_ID = MessageIds.rate
