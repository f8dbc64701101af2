import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { asParsed, wireBytes, type WrittenPacket } from './local-packets.js'

/**
 * What mqtt-packet's parser makes of the bytes its `writeToStream` writes for `p` (the reference: what
 * the link did before), and how many bytes. The stream takes strings as UTF-8 and Uint8Arrays as bytes,
 * as a Node stream does.
 */
function throughBytes(p: WrittenPacket): { packets: unknown[]; bytes: number } {
  const chunks: Buffer[] = []
  const stream = {
    write: (c: string | Uint8Array) => chunks.push(Buffer.from(c)) > 0,
    destroy: (e: Error) => {
      throw e
    },
  }
  mqttPacket.writeToStream(p as mqttPacket.Packet, stream as never)
  const bytes = Buffer.concat(chunks)
  const parser = mqttPacket.parser()
  const packets: unknown[] = []
  parser.on('packet', (x) => packets.push({ ...x }))
  parser.parse(bytes)
  return { packets, bytes: bytes.length }
}

const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
  // A Uint8Array that is a view into a larger buffer, as TextEncoder's output can be.
  fc
    .tuple(fc.uint8Array({ minLength: 4, maxLength: 300 }), fc.nat(3))
    .map(([u, skip]) => u.subarray(skip)),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.constant(undefined),
)

const publishes: fc.Arbitrary<WrittenPacket> = fc.record({
  cmd: fc.constant('publish'),
  topic: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  payload: payloads,
  qos: fc.constantFrom(0, 1, 2),
  retain: fc.boolean(),
  dup: fc.boolean(),
  messageId: fc.integer({ min: 1, max: 0xffff }),
})

describe('asParsed', () => {
  it("is what the parser makes of the writer's bytes, for any PUBLISH (3.1.1)", () => {
    fc.assert(
      fc.property(publishes, (p) => {
        const made = asParsed(p, 4)
        const { packets, bytes } = throughBytes(p)
        expect(packets).toHaveLength(1)
        expect(made).toEqual(packets[0])
        expect(Buffer.isBuffer(made?.payload)).toBe(true)
        expect(wireBytes(made!)).toBe(bytes)
      }),
      { numRuns: 400 },
    )
  })

  it('is what the parser makes of a PUBACK, for any packet identifier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (messageId) => {
        const p = { cmd: 'puback', messageId }
        expect(asParsed(p, undefined)).toEqual(throughBytes(p).packets[0])
      }),
    )
  })

  it('gives the remaining length and wire size of payloads that need 1 to 4 length bytes', () => {
    for (const size of [0, 100, 127, 16_000, 16_384, 2_097_200]) {
      const p = { cmd: 'publish', topic: 't', payload: Buffer.alloc(size), qos: 1, messageId: 9 }
      const made = asParsed(p, 4)!
      const { packets, bytes } = throughBytes(p)
      expect(made.length).toBe((packets[0] as { length: number }).length)
      expect(wireBytes(made)).toBe(bytes)
    }
  })

  it("passes a Buffer payload as the writer's own buffer (no copy)", () => {
    const payload = Buffer.from('{"v":1}')
    expect(asParsed({ cmd: 'publish', topic: 't', payload }, 4)?.payload).toBe(payload)
  })

  it('leaves to bytes what it does not make: other commands, MQTT 5, and what is not valid', () => {
    const left: [WrittenPacket, number | undefined][] = [
      [{ cmd: 'subscribe', messageId: 1, subscriptions: [] } as WrittenPacket, 4],
      [{ cmd: 'pubrel', messageId: 1 }, 4],
      [{ cmd: 'connect' }, undefined],
      [{ cmd: 'publish', topic: 't', payload: 'x' }, 5],
      [{ cmd: 'publish', topic: 't', payload: 'x', properties: {} }, 4],
      [{ cmd: 'publish', topic: Buffer.from('t'), payload: 'x' }, 4],
      [{ cmd: 'publish', topic: 't', payload: 'x', qos: 1 }, 4],
      [{ cmd: 'publish', topic: 't', payload: 'x', qos: 1, messageId: 70_000 }, 4],
      [{ cmd: 'publish', topic: 't', payload: 'x', qos: 3 }, 4],
      [{ cmd: 'publish', topic: 't', payload: 42 }, 4],
      [{ cmd: 'publish', topic: 'x'.repeat(70_000), payload: 'x' }, 4],
      [{ cmd: 'puback', messageId: 1.5 }, 4],
      [{ cmd: 'puback' }, 4],
    ]
    for (const [p, version] of left) expect(asParsed(p, version)).toBeUndefined()
  })
})
