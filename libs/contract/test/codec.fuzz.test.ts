/**
 * @module test/codec.fuzz
 * The fuzz cases of issue 11 against the contract: every decoder and parser takes any input without
 * throwing, and what it accepts is within the contract (times in range, identifiers valid).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeAnomaly,
  decodeMetrics,
  decodeRate,
  decodeRawSamples,
  decodeStatus,
  decodeWindow,
  isIdentifier,
  isTimeMs,
  parseLine,
  parseTopic,
} from '../src/internal.js'
import { oddPayload, oddTopic, serialGarbage } from './fuzz-arbitraries.js'

const NOW = 1_764_000_000_000

describe('fuzzed input (issue 11)', () => {
  it('decodes any raw payload without throwing, and accepts only samples within the contract', () => {
    fc.assert(
      fc.property(oddPayload(NOW), (bytes) => {
        const r = decodeRawSamples(bytes)
        if (!r.ok) {
          expect(r.error.issues.length).toBeGreaterThan(0)
          return
        }
        for (const s of r.value) {
          expect(Number.isSafeInteger(s.seq) && s.seq >= 0).toBe(true)
          expect(isTimeMs(s.t) && isTimeMs(s.ingest)).toBe(true)
          expect(Number.isFinite(s.value)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('never throws from the other decoders on the same input', () => {
    const decoders = [decodeWindow, decodeAnomaly, decodeStatus, decodeMetrics, decodeRate]
    fc.assert(
      fc.property(oddPayload(NOW), (bytes) => {
        for (const decode of decoders) expect(typeof decode(bytes).ok).toBe('boolean')
      }),
      { numRuns: 500 },
    )
  })

  it('parses any topic without throwing, and only valid identifiers into a sensor', () => {
    fc.assert(
      fc.property(oddTopic, (topic) => {
        const p = parseTopic('sluice', topic)
        if (p !== null && 'channel' in p) {
          expect(isIdentifier(p.device) && isIdentifier(p.channel)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('parses any serial line without throwing', () => {
    fc.assert(
      fc.property(serialGarbage, fc.integer({ min: 1, max: 4 }), (line, channels) => {
        const r = parseLine(line, { channels })
        if (!r.ok) expect(r.detail.length).toBeGreaterThan(0)
        else if (r.kind === 'sample') {
          expect(r.values).toHaveLength(channels)
          expect(r.values.every(Number.isFinite)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
