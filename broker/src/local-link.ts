/**
 * @module local-link
 * The in-memory connection between the broker and a client of the same process (`sluice up`'s services,
 * issue 16): what is written on one end is read on the other, in order, and the two ends close together,
 * as the two ends of a socket do.
 *
 * What one turn of the event loop writes to an end arrives at the other as one chunk at the turn's end
 * (`writeOncePerTurn`, as on the broker's sockets), and the next chunk is passed only once the reader asked
 * for more, which is Node's `duplexPair`'s flow control. `duplexPair` passed each of the four to six
 * buffers mqtt-packet writes per packet on its own, each waiting for the reader, so the reader parsed a
 * packet in as many calls, and a burst of small messages cost a round for each buffer. Node's pair also
 * passes `end` across but not `destroy`: a crashed client would never leave (no will), and a broker's
 * shutdown would never reach its clients (no reconnection); these ends destroy each other.
 */
import { Duplex } from 'node:stream'
import { writeOncePerTurn } from '@sluice/mesh'

type Callback = (error?: Error | null) => void

/** One end of a link. */
class LinkEnd extends Duplex {
  /** The other end; set by {@link createLocalLink} before either end is used. */
  declare other: LinkEnd
  /** The other end's write, settled once this end is read (what holds a fast writer back). */
  private waitingWrite: Callback | undefined

  override _read(): void {
    const settle = this.waitingWrite
    this.waitingWrite = undefined
    settle?.()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    this.pass(chunk, callback)
  }

  override _writev(chunks: { chunk: Buffer }[], callback: Callback): void {
    this.pass(
      chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)),
      callback,
    )
  }

  override _final(callback: Callback): void {
    this.other.push(null)
    callback()
  }

  private pass(data: Buffer, callback: Callback): void {
    // An empty chunk makes the reader ask for nothing more: settle it here.
    if (data.length === 0) {
      process.nextTick(callback)
      return
    }
    this.other.waitingWrite = callback
    this.other.push(data)
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
