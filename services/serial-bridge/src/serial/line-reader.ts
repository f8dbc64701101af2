/**
 * @module serial/line-reader
 * The reading side of one serial connection: it discards what arrives while the board resets, skips the
 * partial line that follows when the board was mid-line, and splits the rest into lines with
 * `@serialport/parser-readline`, bounding how many bytes it buffers without a line break (a baud-rate
 * mismatch can go on for long without producing one). The serial link owns the port and the states; it
 * hands this reader the bytes.
 */
import { ReadlineParser } from '@serialport/parser-readline'

/** Options of {@link createLineReader}. */
export interface LineReaderOptions {
  /** Longest line accepted, in bytes; longer runs without `\n` are dropped and reported. */
  readonly maxLineBytes: number
  /** Called with each complete line (without `\n`) and the time it was read. */
  readonly onLine: (line: string, ingest: number) => void
  /** Called when a run of `maxLineBytes` bytes without a line break was dropped. */
  readonly onOverlong?: ((bytes: number, ingest: number) => void) | undefined
  readonly now: () => number
}

/** Turns the bytes of one connection into lines. */
export interface LineReader {
  /** Starts a new connection's reset wait: what arrives is discarded until {@link begin}. */
  settle(): void
  /** Discards a chunk that arrived during the reset wait. */
  discard(chunk: Buffer): void
  /** Ends the reset wait: lines flow from here on (after the rest of a line cut by the wait). */
  begin(): void
  /** Reads a chunk once lines flow (ignored before {@link begin} or after {@link close}). */
  feed(chunk: Buffer): void
  /** Lets go of the parser. */
  close(): void
  /** Bytes discarded during the last reset wait. */
  readonly discarded: number
}

/** Creates a {@link LineReader}. */
export function createLineReader(options: LineReaderOptions): LineReader {
  const { maxLineBytes, now } = options
  let parser: ReadlineParser | undefined
  let skipToNewline = false
  let sinceNewline = 0
  let discarded = 0
  let lastDiscarded = 0x0a

  const newParser = (): ReadlineParser => {
    // latin1 maps each byte to one character, so garbage stays visible as bytes above 0x7F for the
    // mismatch detector (utf8 would fold it into U+FFFD) and the checksum is computed over the bytes.
    const p = new ReadlineParser({ delimiter: '\n', encoding: 'latin1' })
    p.on('data', (line: string) => {
      options.onLine(line, now())
    })
    return p
  }

  const close = (): void => {
    parser?.removeAllListeners()
    parser?.destroy()
    parser = undefined
  }

  return {
    get discarded() {
      return discarded
    },
    settle() {
      discarded = 0
      lastDiscarded = 0x0a
    },
    discard(chunk) {
      discarded += chunk.length
      lastDiscarded = chunk[chunk.length - 1] ?? lastDiscarded
    },
    begin() {
      parser = newParser()
      sinceNewline = 0
      // If the board was mid-line when the wait ended (a sketch that does not reset on open), the next
      // bytes finish a line whose start we threw away: skip to the next line break.
      skipToNewline = discarded > 0 && lastDiscarded !== 0x0a
    },
    feed(chunk) {
      if (parser === undefined) return
      let data = chunk
      if (skipToNewline) {
        const nl = data.indexOf(0x0a)
        if (nl < 0) return
        data = data.subarray(nl + 1)
        skipToNewline = false
        sinceNewline = 0
      }
      // Bound the parser's buffer: ReadlineParser keeps everything until a delimiter, and a baud mismatch
      // can go on for long without producing one. (A long line inside one chunk is bounded by the chunk
      // size and rejected as too long by the line parser.)
      const last = data.lastIndexOf(0x0a)
      if (last < 0) {
        sinceNewline += data.length
        if (sinceNewline > maxLineBytes) {
          options.onOverlong?.(sinceNewline, now())
          close()
          parser = newParser()
          skipToNewline = true
          sinceNewline = 0
          return
        }
      } else {
        sinceNewline = data.length - last - 1
      }
      parser.write(data)
    },
    close,
  }
}
