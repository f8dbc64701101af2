import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatInfoLine,
  formatLine,
  formatRateCommand,
  lineChecksum,
  maxLinesPerSecond,
  parseLine,
} from './line-protocol.js'

describe('lineChecksum', () => {
  it('is the XOR of every byte before the star, like NMEA', () => {
    // 0x31 ^ 0x37 ^ 0x2c ^ 0x34 ^ 0x35 ^ 0x30 = 0x1b
    expect(lineChecksum('17,450')).toBe(0x1b)
    expect(formatLine(17, [450], { checksum: true })).toBe('17,450*1B\n')
  })

  it('is 0 for the empty string and self-inverse', () => {
    expect(lineChecksum('')).toBe(0)
    expect(lineChecksum('AA')).toBe(0)
  })
})

describe('parseLine', () => {
  const two = { channels: ['light', 'temp'] }

  it('parses a multi-value sample line', () => {
    expect(parseLine('17,450,23.5\n', two)).toEqual({
      ok: true,
      kind: 'sample',
      seq: 17,
      values: [450, 23.5],
      checksummed: false,
    })
  })

  it('tolerates CRLF and a missing terminator', () => {
    expect(parseLine('1,2\r\n', { channels: 1 })).toMatchObject({ ok: true, seq: 1, values: [2] })
    expect(parseLine('1,2', { channels: 1 })).toMatchObject({ ok: true, seq: 1, values: [2] })
  })

  it('accepts a valid checksum in either case and rejects a wrong one', () => {
    expect(parseLine('17,450*1B\n', { channels: 1 })).toMatchObject({ ok: true, checksummed: true })
    expect(parseLine('17,450*1b\n', { channels: 1 })).toMatchObject({ ok: true, checksummed: true })
    expect(parseLine('17,451*1B\n', { channels: 1 })).toMatchObject({
      ok: false,
      reason: 'checksum',
    })
    expect(parseLine('17,450*1\n', { channels: 1 })).toMatchObject({
      ok: false,
      reason: 'checksum',
    })
    expect(parseLine('17,450*ZZ\n', { channels: 1 })).toMatchObject({
      ok: false,
      reason: 'checksum',
    })
  })

  it('rejects a line without checksum when checksums are required', () => {
    expect(parseLine('17,450\n', { channels: 1, requireChecksum: true })).toMatchObject({
      ok: false,
      reason: 'checksum',
    })
  })

  it('rejects a wrong number of values as field-count', () => {
    expect(parseLine('17,450\n', two)).toMatchObject({ ok: false, reason: 'field-count' })
    expect(parseLine('17,1,2,3\n', two)).toMatchObject({ ok: false, reason: 'field-count' })
    expect(parseLine('17\n', { channels: 1 })).toMatchObject({ ok: false, reason: 'field-count' })
  })

  it('rejects bytes outside printable ASCII as garbled and flags high bytes', () => {
    expect(parseLine('17,4\u00e90\n', { channels: 1 })).toMatchObject({
      ok: false,
      reason: 'garbled',
      nonAscii: true,
    })
    expect(parseLine('17,4\u000050\n', { channels: 1 })).toMatchObject({
      ok: false,
      reason: 'garbled',
      nonAscii: false,
    })
  })

  it('rejects non-numbers, Arduino nan/inf and bad sequence numbers', () => {
    expect(parseLine('17,nan\n', { channels: 1 })).toMatchObject({ ok: false, reason: 'number' })
    expect(parseLine('17,inf\n', { channels: 1 })).toMatchObject({ ok: false, reason: 'number' })
    expect(parseLine('17,,\n', two)).toMatchObject({ ok: false, reason: 'number' })
    expect(parseLine('x,1\n', { channels: 1 })).toMatchObject({ ok: false, reason: 'number' })
    expect(parseLine('-1,1\n', { channels: 1 })).toMatchObject({ ok: false, reason: 'seq' })
    expect(parseLine('1.5,1\n', { channels: 1 })).toMatchObject({ ok: false, reason: 'seq' })
    expect(parseLine('99999999999999999999,1\n', { channels: 1 })).toMatchObject({
      ok: false,
      reason: 'seq',
    })
  })

  it('rejects values outside their channel range and names the channel', () => {
    const opts = { channels: ['light', 'temp'], ranges: [{ min: 0, max: 1023 }, { min: -40 }] }
    expect(parseLine('1,1023,-40\n', opts)).toMatchObject({ ok: true })
    const r = parseLine('1,1024,20\n', opts)
    expect(r).toMatchObject({ ok: false, reason: 'range' })
    expect(!r.ok && r.detail).toContain('light')
    expect(parseLine('1,5,-41\n', opts)).toMatchObject({ ok: false, reason: 'range' })
  })

  it('rejects empty and overlong lines', () => {
    expect(parseLine('\r\n', { channels: 1 })).toMatchObject({ ok: false, reason: 'empty' })
    expect(parseLine(`1,${'1'.repeat(300)}\n`, { channels: 1 })).toMatchObject({
      ok: false,
      reason: 'too-long',
    })
  })

  it('recognises the boot banner as an info line', () => {
    const r = parseLine('# sluice-fw 1.0 rate=10 channels=light,temp\n', two)
    expect(r).toEqual({
      ok: true,
      kind: 'info',
      info: {
        text: 'sluice-fw 1.0 rate=10 channels=light,temp',
        firmware: 'sluice-fw',
        version: '1.0',
        rateHz: 10,
        channels: ['light', 'temp'],
        fields: { rate: '10', channels: 'light,temp' },
      },
    })
    expect(
      parseLine(formatInfoLine({ firmware: 'sluice-fw', version: '1.0', rateHz: 10 }), two),
    ).toEqual({
      ok: true,
      kind: 'info',
      info: {
        text: 'sluice-fw 1.0 rate=10',
        firmware: 'sluice-fw',
        version: '1.0',
        rateHz: 10,
        fields: { rate: '10' },
      },
    })
  })

  it('recognises rate acknowledgements and device errors', () => {
    expect(parseLine('OK R20\r\n', two)).toEqual({ ok: true, kind: 'ack', command: 'R20', hz: 20 })
    expect(parseLine('OK PING\n', two)).toEqual({ ok: true, kind: 'ack', command: 'PING' })
    expect(parseLine('ERR R0 out of range\n', two)).toEqual({
      ok: true,
      kind: 'device-error',
      text: 'R0 out of range',
    })
    expect(formatRateCommand(20)).toBe('R20\n')
  })

  const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })

  it('round-trips any formatted sample line, with and without checksum', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.oneof(fc.integer({ min: -100000, max: 100000 }), finite), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        (seq, values, checksum) => {
          const r = parseLine(formatLine(seq, values, { checksum }), { channels: values.length })
          expect(r).toEqual({
            ok: true,
            kind: 'sample',
            seq,
            // String(-0) is '0'
            values: values.map((v) => (Object.is(v, -0) ? 0 : v)),
            checksummed: checksum,
          })
        },
      ),
    )
  })

  it('detects any single-character corruption of a checksummed line', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1023 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.integer({ min: 0x20, max: 0x7e }),
        (seq, values, pos, code) => {
          const line = formatLine(seq, values, { checksum: true }).slice(0, -1)
          const star = line.indexOf('*')
          const i = pos % star
          fc.pre(line.charCodeAt(i) !== code)
          const bad = line.slice(0, i) + String.fromCharCode(code) + line.slice(i + 1)
          const r = parseLine(bad, { channels: values.length })
          expect(r.ok && r.kind === 'sample').toBe(false)
        },
      ),
    )
  })

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseLine(s, { channels: 2 })
        expect(typeof r.ok).toBe('boolean')
      }),
    )
  })
})

describe('maxLinesPerSecond', () => {
  it('gives 192 lines/s for "1023\\n" at 9600 baud with 10 bits per byte', () => {
    expect(maxLinesPerSecond(9600, '1023\n', { bits: 10 })).toBe(192)
  })

  it('accepts a byte count and defaults to 8N1', () => {
    expect(maxLinesPerSecond(115200, 12)).toBe(960)
    expect(maxLinesPerSecond(115200, 0)).toBe(0)
  })
})
