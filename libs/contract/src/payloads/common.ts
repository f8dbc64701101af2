/**
 * @module payloads/common
 * Schema building blocks shared by the payloads. Numbers are finite: JSON has no NaN or Infinity, `1e999`
 * parses to Infinity, and TypeBox's `Type.Number()` rejects both by default (`TypeSystemPolicy.AllowNaN`); counters are non-negative safe integers; times are
 * milliseconds since the epoch and may have a fraction (DESIGN.md §4).
 */
import { Type } from '@sinclair/typebox'

/**
 * The latest time a payload may carry: 10^13 ms since the epoch, in November 2286. Times are checked
 * against `0 … TIME_MS_MAX` (issue 11, item 1): `t = 1e19` once stalled windowing, and anything outside
 * this range is a broken clock or a bug, never a reading worth keeping. Consumers also refuse samples
 * too far ahead of their own clock (`maxAheadMs` of an inbound hop), which this range cannot know.
 */
export const TIME_MS_MAX = 10_000_000_000_000

/** True when `v` is a time a payload may carry: a number from 0 to {@link TIME_MS_MAX}. */
export function isTimeMs(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= TIME_MS_MAX
}

/** True when `v` is a count a payload may carry: a safe integer ≥ 0 (JSON's `1.5` and `-1` are not). */
export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** True when `v` is a number other than NaN and ±Infinity. */
export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v)
}

/** Milliseconds since the epoch, possibly fractional, from 0 to {@link TIME_MS_MAX}. */
export const TimeMs = (description?: string) =>
  Type.Number({
    minimum: 0,
    maximum: TIME_MS_MAX,
    ...(description === undefined ? {} : { description }),
  })

/**
 * The start of a time window, which may precede the epoch by up to a window length (a window holding
 * t = 0 starts before it): `−TIME_MS_MAX … TIME_MS_MAX`.
 */
export const WindowTimeMs = (description: string) =>
  Type.Number({ minimum: -TIME_MS_MAX, maximum: TIME_MS_MAX, description })

/** A non-negative safe integer: counters and sequence numbers. */
export const Count = (description?: string) =>
  Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    ...(description === undefined ? {} : { description }),
  })

/** The longest identifier (device, channel, window name, service, instance, prefix level). */
export const IDENTIFIER_MAX_LENGTH = 128

/** An identifier as used in topics. */
export const Identifier = (description: string) =>
  Type.String({
    pattern: '^[a-z0-9][a-z0-9_-]*$',
    minLength: 1,
    maxLength: IDENTIFIER_MAX_LENGTH,
    description,
  })
