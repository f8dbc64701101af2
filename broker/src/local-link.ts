/**
 * @module local-link
 * The in-memory connection between the broker and a client of the same process (`sluice up`'s services,
 * issue 16): what is written on one end is read on the other, in order, and the two ends close together,
 * as the two ends of a socket do.
 *
 * It carries MQTT packets as objects, not bytes. mqtt-packet (patched, `patches/`) hands a PUBLISH or
 * PUBACK written to an end to {@link LinkEnd}'s packet method, which makes the object the reader's parser
 * would have made of its bytes (`local-packets.ts`); any other packet is written as bytes, and the end
 * parses them with mqtt-packet's parser as it takes them. What the reader gets is a chunk whose packets
 * the reader's parser (patched too) emits as parsed: on both sides, Aedes and MQTT.js read and write as
 * they do on a socket, and neither serialises nor parses the message stream. A chunk's length is the
 * bytes its packets take on the wire (a view of a shared zero buffer, at most 64 KiB), so the writer's
 * backpressure (`write` returns false past its high-water mark, then `drain`) is what it is on a socket.
 * The broker's packet size limit is not applied here: the clients are this process's own services.
 *
 * What one turn of the event loop writes to an end arrives at the other as one chunk at the turn's end
 * (`writeOncePerTurn`, as on the broker's sockets). Up to 16 chunks may wait unread at the reader; the
 * next is passed once it reads, which is Node's `duplexPair`'s flow control. `duplexPair` passed each of
 * the four to six buffers mqtt-packet writes per packet on its own, each waiting for the reader, so the
 * reader parsed a packet in as many calls, and a burst of small messages cost a round for each buffer.
 * A packet's bytes are written in one turn, so they reach {@link LinkEnd}'s parser in one chunk, ahead of
 * the packets written after them. Node's pair also passes `end` across but not `destroy`: a crashed client
 * would never leave (no will), and a broker's shutdown would never reach its clients (no reconnection);
 * these ends destroy each other.
 */
import { Buffer } from 'node:buffer'
import { Duplex } from 'node:stream'
import mqttPacket from 'mqtt-packet'
import { writeOncePerTurn } from '@sluice/mesh'
import { asParsed, wireBytes, type ParsedPacket, type WrittenPacket } from './local-packets.js'

type Callback = (error?: Error | null) => void

/** The method mqtt-packet's `writeToStream` hands a packet to (patched: `patches/mqtt-packet@9.0.2.patch`). */
const WRITE_PACKET = Symbol.for('mqtt-packet.writePacket')
/** The packets of a chunk, which mqtt-packet's parser emits as they are (patched likewise). */
const PACKETS = Symbol.for('mqtt-packet.packets')

/** A chunk of the link: a buffer as long as its packets' bytes, with the packets. */
type Chunk = Buffer & { [PACKETS]?: ParsedPacket[] }

/** What a chunk's length is a view of: never written, never read. */
const ZEROS = Buffer.alloc(64 * 1024)

function chunkOf(packets: ParsedPacket[], bytes: number): Chunk {
  const chunk: Chunk = ZEROS.subarray(0, Math.min(Math.max(bytes, 1), ZEROS.length))
  chunk[PACKETS] = packets
  return chunk
}

/** One end of a link. */
class LinkEnd extends Duplex {
  /** The other end; set by {@link createLocalLink} before either end is used. */
  declare other: LinkEnd
  /** The other end's write, settled once this end is read (what holds a fast writer back). */
  private waitingWrite: Callback | undefined
  /** Parses the packets written to this end as bytes; made on the first (a CONNECT or SUBSCRIBE). */
  private parser: ReturnType<typeof mqttPacket.parser> | undefined
  /** Where {@link parser} puts what it parses. */
  private parsed: ParsedPacket[] = []
  /** Why the bytes last parsed are not MQTT. */
  private parseError: Error | undefined

  constructor() {
    // A chunk is read whole (objects are never merged). Up to 16 chunks (Node's default for objects: at
    // most 16 turns' writes, each about a writable high-water mark) wait for the reader, as a socket's
    // buffers take what a peer has not read yet: a writer waiting for `drain` (MQTT.js for a PUBACK, Aedes
    // for a delivery) stops reading its own end, so with less room each side can wait on the other.
    super({ readableObjectMode: true })
  }

  /** A packet mqtt-packet writes: passed as an object when it can be, else `undefined` (bytes). */
  [WRITE_PACKET](packet: WrittenPacket, opts?: { protocolVersion?: number }): boolean | undefined {
    const parsed = asParsed(packet, opts?.protocolVersion)
    if (parsed === undefined) return undefined
    return this.write(chunkOf([parsed], wireBytes(parsed)))
  }

  override _read(): void {
    const settle = this.waitingWrite
    this.waitingWrite = undefined
    settle?.()
  }

  override _write(chunk: Chunk, _encoding: BufferEncoding, callback: Callback): void {
    if (chunk[PACKETS] !== undefined) this.pass(chunk, callback)
    else this.passAll([chunk], callback)
  }

  override _writev(chunks: { chunk: Chunk }[], callback: Callback): void {
    this.passAll(
      chunks.map((c) => c.chunk),
      callback,
    )
  }

  override _final(callback: Callback): void {
    this.other.push(null)
    callback()
  }

  /** Passes the packets of several chunks, packets or bytes, in their order, as one chunk. */
  private passAll(chunks: Chunk[], callback: Callback): void {
    const packets: ParsedPacket[] = []
    let bytes = 0
    for (const chunk of chunks) {
      bytes += chunk.length
      const own = chunk[PACKETS]
      if (own !== undefined) for (const p of own) packets.push(p)
      else {
        // Not MQTT: the error destroys this end, and so the link, as a reader's parser closed a socket.
        const error = this.parseInto(chunk, packets)
        if (error !== undefined) return callback(error)
      }
    }
    // Bytes that were not yet a whole packet make none: the reader has nothing to take.
    if (packets.length === 0) process.nextTick(callback)
    else this.pass(chunkOf(packets, bytes), callback)
  }

  /** Parses bytes written to this end into `packets`; the error if they are not MQTT. */
  private parseInto(bytes: Buffer, packets: ParsedPacket[]): Error | undefined {
    if (this.parser === undefined) {
      const parser = mqttPacket.parser()
      parser.on('packet', (p) => this.parsed.push(p as ParsedPacket))
      parser.on('error', (error: Error) => (this.parseError ??= error))
      this.parser = parser
    }
    this.parsed = packets
    this.parser.parse(bytes)
    return this.parseError
  }

  private pass(chunk: Chunk, callback: Callback): void {
    this.other.waitingWrite = callback
    this.other.push(chunk)
  }
}

/** Creates a link: `[client end, broker end]`. */
export function createLocalLink(): [Duplex, Duplex] {
  const a = new LinkEnd()
  const b = new LinkEnd()
  a.other = b
  b.other = a
  writeOncePerTurn(a)
  writeOncePerTurn(b)
  a.once('close', () => b.destroy())
  b.once('close', () => a.destroy())
  return [a, b]
}
