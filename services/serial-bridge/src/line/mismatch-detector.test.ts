import { describe, expect, it } from 'vitest'
import { createMismatchDetector, describeMismatch, type LineVerdict } from './mismatch-detector.js'

const good: LineVerdict = { ok: true }
const garbled: LineVerdict = {
  ok: false,
  reason: 'garbled',
  nonAscii: true,
  detail: 'bytes outside printable ASCII',
}
const wrongCount: LineVerdict = {
  ok: false,
  reason: 'field-count',
  nonAscii: false,
  detail: '1 values, expected 2',
}

describe('createMismatchDetector', () => {
  it('reports a baud mismatch once when 20 of the last 25 lines within 2 s are garbled', () => {
    const d = createMismatchDetector()
    const events = []
    for (let i = 0; i < 19; i++) events.push(d.observe(garbled, i * 50))
    expect(events.every((e) => e === undefined)).toBe(true)
    const e = d.observe(garbled, 19 * 50)
    expect(e).toMatchObject({
      kind: 'suspected',
      cause: 'baud',
      badLines: 20,
      spanMs: 950,
      reason: 'garbled',
    })
    expect(d.suspected).toBe(true)
    // Still garbage: no repeated report.
    for (let i = 20; i < 100; i++) expect(d.observe(garbled, i * 50)).toBeUndefined()
  })

  it('does not alarm on scattered bad lines among good ones', () => {
    const d = createMismatchDetector()
    for (let i = 0; i < 1000; i++) {
      expect(d.observe(i % 3 === 0 ? garbled : good, i * 10)).toBeUndefined()
    }
  })

  it('does not alarm when the bad lines are spread over more than 2 s', () => {
    const d = createMismatchDetector()
    for (let i = 0; i < 100; i++) expect(d.observe(garbled, i * 200)).toBeUndefined()
  })

  it('tells a wrong line format from a baud mismatch', () => {
    const d = createMismatchDetector()
    let e
    for (let i = 0; i < 20; i++) e = d.observe(wrongCount, i)
    expect(e).toMatchObject({ kind: 'suspected', cause: 'format', reason: 'field-count' })
  })

  it('reports recovery once the recent lines are mostly good again, with the episode total', () => {
    const d = createMismatchDetector()
    for (let i = 0; i < 40; i++) d.observe(garbled, i)
    let e
    let n = 0
    while (e === undefined && n < 100) e = d.observe(good, 40 + n++)
    expect(e).toEqual({ kind: 'recovered', badLines: 40, durationMs: 40 + n - 1 })
    expect(n).toBe(21) // 25 recent lines with at most 4 bad
    expect(d.suspected).toBe(false)
  })

  it('forgets its history on reset', () => {
    const d = createMismatchDetector()
    for (let i = 0; i < 19; i++) d.observe(garbled, i)
    d.reset()
    expect(d.observe(garbled, 20)).toBeUndefined()
  })
})

describe('describeMismatch', () => {
  it('names the port, the count, the baud rate and a rate to try', () => {
    expect(
      describeMismatch(
        {
          kind: 'suspected',
          cause: 'baud',
          badLines: 40,
          spanMs: 2000,
          reason: 'garbled',
          example: '',
        },
        { port: '/dev/ttyACM0', baudRate: 9600, channels: ['light'] },
      ),
    ).toBe(
      "Port /dev/ttyACM0 gave 40 garbled lines in 2 s: the baud rate (9600) probably does not match the sketch's Serial.begin(…). Try --baud 115200.",
    )
    expect(
      describeMismatch(
        {
          kind: 'suspected',
          cause: 'baud',
          badLines: 20,
          spanMs: 950,
          reason: 'garbled',
          example: '',
        },
        { port: 'p', baudRate: 115200, channels: ['light'] },
      ),
    ).toContain("(115200) probably does not match the sketch's Serial.begin(…). Try --baud 9600.")
  })

  it('points at the channel list when the value count is wrong', () => {
    const msg = describeMismatch(
      {
        kind: 'suspected',
        cause: 'format',
        badLines: 20,
        spanMs: 500,
        reason: 'field-count',
        example: '1 values, expected 2',
      },
      { port: '/dev/ttyUSB0', baudRate: 115200, channels: ['light', 'temp'] },
    )
    expect(msg).toContain('check --channels')
    expect(msg).toContain('light, temp')
  })
})
