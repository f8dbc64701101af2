import { encode, scanRawColumns, toRawBatch } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { MOST, REMEMBER_MS, SHARE_FROM, hashOf, scanRawColumnsShared } from './shared-scan.js'

/** A raw batch as the bridge publishes it, its first sequence number `seq`. */
function batch(seq: number, n = 20): Uint8Array {
  const samples = Array.from({ length: n }, (_, i) => ({
    seq: seq + i,
    t: 1_796_544_618_505.367 + 10 * i,
    value: 500 + ((seq + i) % 97),
    ingest: 1_796_544_618_505.367 + 10 * i + 0.25,
  }))
  return encode(toRawBatch(samples))
}

/** A digit of `bytes` that the hash does not read: changed, the bytes differ and their hash does not. */
function unhashedDigit(bytes: Uint8Array): number {
  const hash = hashOf(bytes)
  for (let i = bytes.length >> 1; i < bytes.length; i++) {
    const d = bytes[i]!
    if (d < 0x30 || d > 0x38) continue
    bytes[i] = d + 1
    const same = hashOf(bytes) === hash
    bytes[i] = d
    if (same) return i
  }
  throw new Error('every digit is hashed')
}

describe('scanRawColumnsShared', () => {
  it('gives a second hop with equal bytes in another buffer the same columns, as the scan reads them', () => {
    const first = batch(1000)
    const second = new Uint8Array(first)
    const a = scanRawColumnsShared(first)
    expect(a).toEqual(scanRawColumns(first))
    expect(scanRawColumnsShared(second)).toBe(a)
  })

  it('reads different bytes anew, however alike', () => {
    const a = scanRawColumnsShared(batch(2000))
    const b = scanRawColumnsShared(batch(2001))
    expect(b).not.toBe(a)
    expect(b).toEqual(scanRawColumns(batch(2001)))
    // The same length and hash, one digit apart: the whole bytes decide.
    const x = batch(3000)
    const y = new Uint8Array(x)
    y[unhashedDigit(y)]! += 1
    expect(hashOf(y)).toBe(hashOf(x))
    const cx = scanRawColumnsShared(x)
    const cy = scanRawColumnsShared(y)
    expect(cy).not.toBe(cx)
    expect(cy).toEqual(scanRawColumns(y))
  })

  it.each([
    ['a Uint8Array', (b: Uint8Array) => b],
    ['a Node Buffer, as MQTT delivers', (b: Uint8Array) => Buffer.from(b)],
  ])(
    'keeps a copy of %s: bytes changed after their reading are not answered with their old columns',
    (_, as) => {
      const bytes = as(batch(4000))
      const before = scanRawColumnsShared(bytes)
      // One digit the hash does not read: only the whole bytes tell.
      bytes[unhashedDigit(bytes)]! += 1
      const after = scanRawColumnsShared(bytes)
      expect(after).not.toBe(before)
      expect(after).toEqual(scanRawColumns(bytes))
    },
  )

  it(`reads a payload under ${SHARE_FROM} bytes (a lone sample) for each hop, as the scan reads it`, () => {
    const lone = encode({
      seq: 3,
      t: 1_796_544_618_505.367,
      value: 512,
      ingest: 1_796_544_618_505.5,
    })
    expect(lone.length).toBeLessThan(SHARE_FROM)
    expect(batch(1).length).toBeGreaterThanOrEqual(SHARE_FROM)
    const a = scanRawColumnsShared(lone)
    const b = scanRawColumnsShared(new Uint8Array(lone))
    expect(a).toBeDefined()
    expect(b).not.toBe(a)
    expect(b).toEqual(a)
    expect(a).toEqual(scanRawColumns(lone))
  })

  it('leaves what the scan refuses to the caller, unremembered', () => {
    const spaced = new TextEncoder().encode(' {"seq":[1]}')
    expect(scanRawColumnsShared(spaced)).toBeUndefined()
    expect(scanRawColumnsShared(spaced)).toBeUndefined()
  })

  it(`forgets a reading after ${REMEMBER_MS} ms, and the oldest past ${MOST}`, () => {
    // Later than every reading of the tests before.
    const t0 = performance.now() + 10_000
    const p = batch(20_000)
    const c = scanRawColumnsShared(p, t0)
    expect(scanRawColumnsShared(new Uint8Array(p), t0 + REMEMBER_MS)).toBe(c)
    scanRawColumnsShared(batch(20_100), t0 + REMEMBER_MS + 1)
    const again = scanRawColumnsShared(new Uint8Array(p), t0 + REMEMBER_MS + 1)
    expect(again).not.toBe(c)
    expect(again).toEqual(c)

    const t1 = t0 + 10 * REMEMBER_MS
    const payloads = Array.from({ length: MOST + 1 }, (_, i) => batch(100_000 + 100 * i, 12))
    expect(payloads[0]!.length).toBeGreaterThanOrEqual(SHARE_FROM)
    const columns = payloads.map((b) => scanRawColumnsShared(b, t1))
    expect(scanRawColumnsShared(new Uint8Array(payloads[MOST]!), t1)).toBe(columns[MOST])
    expect(scanRawColumnsShared(new Uint8Array(payloads[1]!), t1)).toBe(columns[1])
    const first = scanRawColumnsShared(new Uint8Array(payloads[0]!), t1)
    expect(first).not.toBe(columns[0])
    expect(first).toEqual(columns[0])
  })
})
