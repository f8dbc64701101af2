/**
 * @module payloads/common
 * Schema building blocks shared by the payloads. Numbers are finite: JSON has no NaN or Infinity, `1e999`
 * parses to Infinity, and TypeBox's `Type.Number()` rejects both by default (`TypeSystemPolicy.AllowNaN`); counters are non-negative safe integers; times are
 * milliseconds since the epoch and may have a fraction (DESIGN.md §4).
 */
import { Type } from '@sinclair/typebox'

/** Milliseconds since the epoch, possibly fractional. */
export const TimeMs = (description: string) => Type.Number({ description })

/** A non-negative safe integer: counters and sequence numbers. */
export const Count = (description?: string) =>
  Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    ...(description === undefined ? {} : { description }),
  })

/** An identifier as used in topics. */
export const Identifier = (description: string) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description })
