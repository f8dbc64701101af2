/**
 * @module config
 * The windowing service's config (DESIGN.md §7): the named windows every sensor gets, and which sensors
 * this instance subscribes to. Defaults give a count window and a time window per sensor, so
 * `sluice up` shows live statistics with no config at all.
 */
import { Type, type Static } from '@sinclair/typebox'
import { WINDOW_BATCH_MAX_AGGREGATES } from '@sluice/contract'
import { sensorIntakeConfigFields } from '@sluice/mesh'

const Positive = (description: string, def?: number) =>
  Type.Number({ exclusiveMinimum: 0, description, ...(def === undefined ? {} : { default: def }) })

/** One window, as config declares it: count, time (event time) or session. */
export const WindowSpecSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('count'),
      size: Type.Integer({ minimum: 1, description: 'Samples per window.' }),
      stride: Type.Integer({
        minimum: 1,
        description: 'Samples between emissions (= size: tumbling).',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('time'),
      length: Type.Integer({ minimum: 1, description: 'Window length (whole ms of event time).' }),
      every: Type.Integer({
        minimum: 1,
        description: 'Emission period (whole ms); = length: tumbling.',
      }),
      allowedLateness: Type.Number({
        minimum: 0,
        default: 0,
        description: 'Lateness allowed (ms).',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('session'),
      gap: Positive('Silence (ms of event time) that closes a session.'),
      maxDuration: Positive('Longest session (ms).'),
    },
    { additionalProperties: false },
  ),
])

/** The windowing service's own settings. */
export const WindowingConfigSchema = Type.Object({
  windows: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }), WindowSpecSchema, {
    // Empty here, filled with DEFAULT_WINDOWS by the service: a schema default for a record would be
    // merged into the user's windows (TypeBox's Value.Default), instead of being replaced by them.
    default: {},
    description:
      'Named windows, each computed for every sensor (none: c100 = count 100/25 and t5s = time 5 s every 1 s).',
  }),
  idleAfterMs: Type.Integer({
    minimum: 0,
    default: 5000,
    description:
      'A sensor silent this long (wall time) has what its time windows and sessions would complete by ' +
      'then emitted, so its last windows show; 0 = never. Event time does not move: samples that come ' +
      'later (after an outage) are not late, and the windows they change are emitted again.',
  }),
  batch: Type.Object(
    {
      maxAggregates: Type.Integer({
        default: 100,
        minimum: 1,
        maximum: WINDOW_BATCH_MAX_AGGREGATES,
        description:
          'Most aggregates of one topic in one message, a JSON array (1: every aggregate its own ' +
          'message, for consumers that read only the lone form).',
      }),
      maxDelayMs: Type.Number({
        default: 50,
        minimum: 0,
        maximum: 60_000,
        description: 'Longest an aggregate waits for its batch while the hop is busy.',
      }),
    },
    {
      default: {},
      additionalProperties: false,
      description:
        'Aggregates of one topic that one batch of samples closes go out together, as do those that ' +
        'come while the outbound hop is busy (messages queued, or maxInFlight unacknowledged); an ' +
        'aggregate that finds the hop free and comes alone goes out at once, as one object.',
    },
  ),
  ...sensorIntakeConfigFields,
  homeAssistant: Type.Object(
    {
      enabled: Type.Boolean({
        default: false,
        description:
          'Publish Home Assistant MQTT discovery: one retained config per device, window sensors and ' +
          'an anomaly binary sensor per channel.',
      }),
      discoveryPrefix: Type.String({
        default: 'homeassistant',
        pattern: '^[a-zA-Z0-9_-]+(/[a-zA-Z0-9_-]+)*$',
        description: "Home Assistant's discovery prefix (its MQTT integration setting).",
      }),
      offDelayS: Type.Integer({
        default: 60,
        minimum: 1,
        description: 'Seconds an anomaly binary sensor stays on after the last event.',
      }),
    },
    { default: {}, additionalProperties: false },
  ),
})

/** The windows every sensor gets when the config names none. */
export const DEFAULT_WINDOWS = {
  c100: { type: 'count', size: 100, stride: 25 },
  t5s: { type: 'time', length: 5000, every: 1000, allowedLateness: 500 },
} as const

/** The windowing service's own settings, as read. */
export type WindowingConfig = Static<typeof WindowingConfigSchema>
