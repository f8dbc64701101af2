import { describe, expect, it } from 'vitest'
import { encodePoint } from './line-protocol.js'

describe('line protocol', () => {
  it('writes tags sorted, integer fields with i, and microsecond timestamps', () => {
    expect(
      encodePoint({
        measurement: 'sluice_raw',
        tags: { device: 'uno', channel: 'light' },
        fields: { value: 450.5, seq: { int: 12 } },
        timeMs: 1732480000123.4,
      }),
    ).toBe('sluice_raw,channel=light,device=uno seq=12i,value=450.5 1732480000123400')
  })

  it('escapes commas, spaces and equals signs in names and quotes in strings', () => {
    expect(
      encodePoint({
        measurement: 'my meas,x',
        tags: { 'tag key': 'a=b,c d' },
        fields: { 'f=1': 'say "hi" \\ there', ok: true },
        timeMs: 1,
      }),
    ).toBe('my\\ meas\\,x,tag\\ key=a\\=b\\,c\\ d f\\=1="say \\"hi\\" \\\\ there",ok=true 1000')
  })

  it('leaves out non-finite fields and empty tags, and refuses a point with no field left', () => {
    expect(
      encodePoint({ measurement: 'm', tags: { a: '' }, fields: { x: NaN, y: 1 }, timeMs: 0 }),
    ).toBe('m y=1 0')
    expect(
      encodePoint({ measurement: 'm', tags: {}, fields: { x: Infinity }, timeMs: 0 }),
    ).toBeUndefined()
  })
})
