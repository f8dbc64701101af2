/**
 * @module local-packets
 * MQTT packets as the broker's in-process link passes them (`local-link.ts`, issue 16): the objects
 * mqtt-packet's parser makes of the bytes its writer makes, made without the bytes. On that link every
 * message was serialised by one side and parsed back by the other, in the same process: in a profile of
 * the one-process mesh at 250 000 samples/s, mqtt-packet's writer and parser, the buffer lists and copies
 * between them were about a tenth of the process's CPU.
 *
 * Only PUBLISH and PUBACK, the packets of the message stream, are made here; every other packet (CONNECT,
 * SUBSCRIBE, …, and a PUBLISH this function does not take) is left to bytes, which the link parses with
 * mqtt-packet's own parser, so each is exactly what the reader would have parsed. A PUBLISH's payload is
 * the writer's own buffer, not a copy: readers must not change it, as Aedes' subscribers already share
 * one payload. Pure.
 */
import { Buffer } from 'node:buffer'

/** A packet as mqtt-packet's parser emits it (its `Packet`'s fields, in its order). */
export interface ParsedPacket {
  readonly cmd: string
  readonly retain: boolean
  readonly qos: number
  readonly dup: boolean
  /** The remaining length [MQTT-2.2.3]: the bytes after the fixed header. */
  readonly length: number
  readonly topic: string | null
  readonly payload: Buffer | null
  readonly messageId?: number
}

/** What a writer hands mqtt-packet (`writeToStream`'s packet): loosely typed, as its callers are. */
export interface WrittenPacket {
  readonly cmd?: string
  readonly topic?: unknown
  readonly payload?: unknown
  readonly qos?: unknown
  readonly retain?: unknown
  readonly dup?: unknown
  readonly messageId?: unknown
  readonly properties?: unknown
}

const EMPTY = Buffer.alloc(0)

/** A packet identifier as a 16-bit field carries it [MQTT-2.3.1]. */
const isPacketId = (id: unknown): id is number =>
  typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0xffff

/** The payload as the parser's buffer; `undefined` for what mqtt-packet would not write as bytes. */
function payloadBuffer(payload: unknown): Buffer | undefined {
  if (Buffer.isBuffer(payload)) return payload
  if (payload instanceof Uint8Array)
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  if (typeof payload === 'string') return Buffer.from(payload)
  // mqtt-packet writes a missing payload (`payload || empty`) as none.
  if (payload === undefined || payload === null) return EMPTY
  return undefined
}

function publish(p: WrittenPacket): ParsedPacket | undefined {
  const { topic, messageId } = p
  const qos = p.qos === undefined || p.qos === null ? 0 : p.qos
  if (typeof topic !== 'string' || (qos !== 0 && qos !== 1 && qos !== 2)) return undefined
  if (qos > 0 && !isPacketId(messageId)) return undefined
  const topicBytes = Buffer.byteLength(topic)
  const payload = payloadBuffer(p.payload)
  if (topicBytes > 0xffff || payload === undefined) return undefined
  const retain = Boolean(p.retain)
  const dup = Boolean(p.dup)
  // The topic's length and the topic, the packet identifier at QoS 1 and 2, the payload.
  const length = 2 + topicBytes + (qos === 0 ? 0 : 2) + payload.length
  if (qos === 0) return { cmd: 'publish', retain, qos, dup, length, topic, payload }
  return {
    cmd: 'publish',
    retain,
    qos,
    dup,
    length,
    topic,
    payload,
    messageId: messageId as number,
  }
}

/**
 * The packet `p` as the reader's parser would emit it from the bytes mqtt-packet writes for it (MQTT
 * 3.1.1), or `undefined`: not a PUBLISH or PUBACK this function makes, to be written as bytes.
 *
 * @example
 * asParsed({ cmd: 'puback', messageId: 7 }, 4)
 * // { cmd: 'puback', retain: false, qos: 0, dup: false, length: 2, topic: null, payload: null, messageId: 7 }
 */
export function asParsed(
  p: WrittenPacket,
  protocolVersion: number | undefined,
): ParsedPacket | undefined {
  // MQTT 5 adds properties; those packets go as bytes.
  if (protocolVersion === 5 || p.properties !== undefined) return undefined
  if (p.cmd === 'publish') return publish(p)
  if (p.cmd === 'puback' && isPacketId(p.messageId)) {
    return {
      cmd: 'puback',
      retain: false,
      qos: 0,
      dup: false,
      length: 2,
      topic: null,
      payload: null,
      messageId: p.messageId,
    }
  }
  return undefined
}

/** The bytes `packet` takes on the wire: its fixed header (1 byte + the remaining length's) and the rest. */
export function wireBytes(packet: ParsedPacket): number {
  const n = packet.length
  return 1 + (n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4) + n
}
