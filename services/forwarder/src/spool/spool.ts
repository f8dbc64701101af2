/**
 * @module spool/spool
 * The forwarder's disk spool (DESIGN.md §9): every point bound for a sink is appended here first, and the
 * sink's sender reads from here, so a sink that is down, slow or rate-limited never blocks the data path
 * and a crash loses nothing that was appended.
 *
 * Layout: a directory of append-only segment files `<16-digit number>.seg` and a `cursor.json` naming the
 * first record not yet acknowledged by the sink. Each record is framed as
 * `[0xA5][u32 length][u32 crc32][f64 appendedAt][payload]` (little-endian; the CRC covers appendedAt and
 * payload), so a torn tail left by a crash mid-write is detected on open and cut off — it never poisons
 * the spool. Delivery is at least once: records after the cursor are replayed in order after a restart.
 * When the spool's bytes pass `maxBytes`, whole oldest segments are deleted and the unread records in
 * them are counted as evicted, exactly (records of a batch in flight only once that send fails).
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

const MAGIC = 0xa5
const HEADER = 1 + 4 + 4 + 8
/** A record larger than this is refused: it is certainly not one of our points. */
export const SPOOL_MAX_RECORD_BYTES = 16 * 1024 * 1024

/** Where the sender stands: a segment number and a byte offset in it. */
export interface SpoolCursor {
  readonly segment: number
  readonly offset: number
}

/** Spool settings. */
export interface SpoolOptions {
  readonly dir: string
  /** Cap on the bytes of all segments; oldest segments are evicted past it. */
  readonly maxBytes: number
  /** Size at which the active segment is closed and a new one started (≤ maxBytes / 4). */
  readonly segmentBytes?: number
}

/** Counters and gauges for the sink's metrics. */
export interface SpoolStats {
  /** Bytes on disk in all segments. */
  readonly bytes: number
  /** Records appended and not yet acknowledged (including those of a batch in flight). */
  readonly pending: number
  /** Records deleted unread because the cap was reached (cumulative since open). */
  readonly evicted: number
  /** Torn or corrupt tails cut off at open. */
  readonly tornTails: number
  /** Append time of the oldest pending record, if any. */
  readonly oldestAppendedAt: number | undefined
}

/** A batch read from the spool: the records and the cursor to acknowledge once they are delivered. */
export interface SpoolBatch {
  readonly records: readonly Buffer[]
  readonly appendedAt: readonly number[]
  readonly next: SpoolCursor
}

interface Segment {
  readonly n: number
  bytes: number
  /** Record start offsets, in order, for this segment. */
  readonly offsets: number[]
  readonly times: number[]
}

/** Index of the first element of the sorted `xs` that is ≥ `x` (binary search). */
function firstAtOrAfter(xs: readonly number[], x: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (xs[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

const segName = (n: number): string => `${String(n).padStart(16, '0')}.seg`

/** Scans a segment's bytes; returns the valid records' offsets and where the valid prefix ends. */
function scan(buf: Buffer): { offsets: number[]; times: number[]; end: number } {
  const offsets: number[] = []
  const times: number[] = []
  let pos = 0
  while (pos + HEADER <= buf.length) {
    if (buf[pos] !== MAGIC) break
    const len = buf.readUInt32LE(pos + 1)
    if (len > SPOOL_MAX_RECORD_BYTES || pos + HEADER + len > buf.length) break
    const crc = buf.readUInt32LE(pos + 5)
    if (crc32(buf.subarray(pos + 9, pos + HEADER + len)) !== crc) break
    offsets.push(pos)
    times.push(buf.readDoubleLE(pos + 9))
    pos += HEADER + len
  }
  return { offsets, times, end: pos }
}

/** Frames one record. */
function frame(payload: Buffer, appendedAt: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length)
  out[0] = MAGIC
  out.writeUInt32LE(payload.length, 1)
  out.writeDoubleLE(appendedAt, 9)
  payload.copy(out, HEADER)
  out.writeUInt32LE(crc32(out.subarray(9)), 5)
  return out
}

/**
 * A crash-safe, capped, append-only spool. Synchronous file I/O on purpose: appends are small and local,
 * and a synchronous append means a record is in the OS's hands before the inbound message is acknowledged.
 *
 * @example
 * const spool = openSpool({ dir: '/var/lib/sluice/spool/influx', maxBytes: 64 * 1024 * 1024 })
 * spool.append([Buffer.from('point 1')], Date.now())
 * const batch = spool.read(100)
 * // …send batch.records…
 * spool.ack(batch.next)
 */
export class Spool {
  readonly #dir: string
  readonly #maxBytes: number
  readonly #segmentBytes: number
  readonly #segments: Segment[] = []
  #fd: number
  #cursor: SpoolCursor
  #evicted = 0
  /** End of the last batch read and not yet acknowledged: the records before it are in flight. */
  #inFlightEnd: SpoolCursor | undefined
  /**
   * In-flight records whose segment was evicted: delivered if the batch is acknowledged, lost (and then
   * counted as evicted) if it is read again instead. Until then they count as pending.
   */
  #inFlightEvicted = 0
  #tornTails = 0
  /** Bytes `base`… of segment `n`, as last read. */
  #readCache: { n: number; base: number; buf: Buffer } | undefined

  constructor(opts: SpoolOptions) {
    this.#dir = opts.dir
    this.#maxBytes = opts.maxBytes
    this.#segmentBytes = opts.segmentBytes ?? Math.max(4096, Math.floor(opts.maxBytes / 16))
    if (this.#segmentBytes * 4 > this.#maxBytes)
      throw new RangeError(
        `spool segmentBytes (${this.#segmentBytes}) must be at most a quarter of maxBytes (${this.#maxBytes})`,
      )
    mkdirSync(this.#dir, { recursive: true })
    const names = readdirSync(this.#dir)
      .filter((f) => /^\d{16}\.seg$/.test(f))
      .sort()
    for (const name of names) {
      const n = Number(name.slice(0, 16))
      const path = join(this.#dir, name)
      const buf = readFileSync(path)
      const { offsets, times, end } = scan(buf)
      if (end < buf.length) {
        // A torn tail (crash mid-append) or corruption: keep the valid prefix, cut the rest.
        const fd = openSync(path, 'r+')
        ftruncateSync(fd, end)
        closeSync(fd)
        this.#tornTails++
      }
      this.#segments.push({ n, bytes: end, offsets, times })
    }
    if (this.#segments.length === 0) this.#segments.push({ n: 1, bytes: 0, offsets: [], times: [] })
    const active = this.#segments[this.#segments.length - 1]!
    this.#fd = openSync(join(this.#dir, segName(active.n)), 'a')
    this.#cursor = this.#loadCursor()
  }

  #loadCursor(): SpoolCursor {
    const first = this.#segments[0]!
    const path = join(this.#dir, 'cursor.json')
    let c: SpoolCursor = { segment: first.n, offset: 0 }
    if (existsSync(path)) {
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SpoolCursor>
        if (typeof parsed.segment === 'number' && typeof parsed.offset === 'number')
          c = { segment: parsed.segment, offset: parsed.offset }
      } catch {
        // An unreadable cursor means we replay from the oldest segment: at least once, never lost.
      }
    }
    // A cursor before the oldest segment (its segment was evicted) starts at the oldest one.
    if (c.segment < first.n) c = { segment: first.n, offset: 0 }
    const seg = this.#segments.find((s) => s.n === c.segment)
    if (seg && c.offset > seg.bytes) c = { segment: c.segment, offset: seg.bytes }
    return c
  }

  #active(): Segment {
    return this.#segments[this.#segments.length - 1]!
  }

  /** Appends records (each a payload), rolling segments and evicting at the cap. */
  append(payloads: readonly (Buffer | string)[], appendedAt: number): void {
    if (payloads.length === 0) return
    const frames: Buffer[] = []
    for (const p of payloads) {
      const buf = typeof p === 'string' ? Buffer.from(p, 'utf8') : p
      if (buf.length > SPOOL_MAX_RECORD_BYTES)
        throw new RangeError(
          `spool record of ${buf.length} bytes exceeds ${SPOOL_MAX_RECORD_BYTES}`,
        )
      frames.push(frame(buf, appendedAt))
    }
    for (const f of frames) {
      let active = this.#active()
      if (active.bytes > 0 && active.bytes + f.length > this.#segmentBytes) {
        closeSync(this.#fd)
        active = { n: active.n + 1, bytes: 0, offsets: [], times: [] }
        this.#segments.push(active)
        this.#fd = openSync(join(this.#dir, segName(active.n)), 'a')
      }
      try {
        writeSync(this.#fd, f)
      } catch (err) {
        // A failed write (disk full, I/O error) may have left part of the frame: cut it, so the next
        // append does not land behind a torn record, which the next open would cut off with everything
        // after it.
        try {
          ftruncateSync(this.#fd, active.bytes)
        } catch {
          // The disk refuses even that: the CRC scan at the next open still finds the valid prefix.
        }
        throw err
      }
      active.offsets.push(active.bytes)
      active.times.push(appendedAt)
      active.bytes += f.length
    }
    this.#enforceCap()
  }

  #enforceCap(): void {
    while (this.bytes > this.#maxBytes && this.#segments.length > 1) {
      const oldest = this.#segments.shift()!
      if (this.#cursor.segment <= oldest.n) {
        const from =
          this.#cursor.segment < oldest.n ? 0 : firstAtOrAfter(oldest.offsets, this.#cursor.offset)
        const end = this.#inFlightEnd
        const to =
          end === undefined || end.segment < oldest.n
            ? from
            : end.segment > oldest.n
              ? oldest.offsets.length
              : Math.max(from, firstAtOrAfter(oldest.offsets, end.offset))
        // Records of a batch being sent are not lost yet: the send may still succeed.
        this.#inFlightEvicted += to - from
        this.#evicted += oldest.offsets.length - to
        this.#cursor = { segment: this.#segments[0]!.n, offset: 0 }
        this.#saveCursor()
      }
      if (this.#readCache?.n === oldest.n) this.#readCache = undefined
      unlinkSync(join(this.#dir, segName(oldest.n)))
    }
  }

  /** Reads up to `max` records after the cursor, without moving it. */
  read(max: number): SpoolBatch {
    // Reading again without an acknowledgement means the last send failed: what of it was evicted
    // meanwhile is lost now.
    this.#evicted += this.#inFlightEvicted
    this.#inFlightEvicted = 0
    const records: Buffer[] = []
    const appendedAt: number[] = []
    let { segment, offset } = this.#cursor
    for (const seg of this.#segments) {
      if (seg.n < segment || records.length >= max) continue
      if (seg.n > segment) {
        segment = seg.n
        offset = 0
      }
      if (offset >= seg.bytes) continue
      const { base, buf } = this.#segmentRange(seg, offset)
      while (offset < seg.bytes && records.length < max) {
        const at = offset - base
        const len = buf.readUInt32LE(at + 1)
        appendedAt.push(buf.readDoubleLE(at + 9))
        records.push(Buffer.from(buf.subarray(at + HEADER, at + HEADER + len)))
        offset += HEADER + len
      }
    }
    const next = { segment, offset }
    this.#inFlightEnd = records.length > 0 ? next : undefined
    return { records, appendedAt, next }
  }

  /** Bytes `from`…end of a segment (a cached read, when it covers them). */
  #segmentRange(seg: Segment, from: number): { base: number; buf: Buffer } {
    const c = this.#readCache
    if (c?.n === seg.n && c.base <= from && c.base + c.buf.length >= seg.bytes) return c
    // Read only what is not yet acknowledged: the active segment grows with every append, and reading
    // it whole for each batch would cost up to segmentBytes (4 MiB by default) per send.
    const buf = Buffer.allocUnsafe(seg.bytes - from)
    const fd = openSync(join(this.#dir, segName(seg.n)), 'r')
    try {
      let got = 0
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, from + got)
        if (n === 0) throw new Error(`spool segment ${segName(seg.n)} is shorter than its index`)
        got += n
      }
    } finally {
      closeSync(fd)
    }
    this.#readCache = { n: seg.n, base: from, buf }
    return this.#readCache
  }

  /** Acknowledges everything before `next` (from a `read`): persisted, and fully read segments deleted. */
  ack(next: SpoolCursor): void {
    // Delivered, including any of it whose segment was evicted during the send.
    this.#inFlightEvicted = 0
    this.#inFlightEnd = undefined
    if (next.segment < this.#cursor.segment) return // acknowledged already, or evicted meanwhile
    if (next.segment === this.#cursor.segment && next.offset <= this.#cursor.offset) return
    this.#cursor = next
    while (this.#segments.length > 1 && this.#segments[0]!.n < next.segment) {
      const done = this.#segments.shift()!
      if (this.#readCache?.n === done.n) this.#readCache = undefined
      unlinkSync(join(this.#dir, segName(done.n)))
    }
    this.#saveCursor()
  }

  #saveCursor(): void {
    const path = join(this.#dir, 'cursor.json')
    // Write-then-rename, so a crash leaves the old cursor or the new one, never half of one.
    writeFileSync(`${path}.tmp`, JSON.stringify(this.#cursor))
    renameSync(`${path}.tmp`, path)
  }

  /** Bytes on disk in all segments. */
  get bytes(): number {
    let b = 0
    for (const s of this.#segments) b += s.bytes
    return b
  }

  /** Counters and gauges. */
  stats(): SpoolStats {
    let pending = 0
    let oldest: number | undefined
    for (const s of this.#segments) {
      if (s.n < this.#cursor.segment) continue
      const first =
        s.n === this.#cursor.segment ? firstAtOrAfter(s.offsets, this.#cursor.offset) : 0
      pending += s.offsets.length - first
      if (oldest === undefined && first < s.times.length) oldest = s.times[first]
    }
    return {
      bytes: this.bytes,
      pending: pending + this.#inFlightEvicted,
      evicted: this.#evicted,
      tornTails: this.#tornTails,
      oldestAppendedAt: oldest,
    }
  }

  /** Closes the active segment file. */
  close(): void {
    closeSync(this.#fd)
  }

  /** Size of a segment file on disk (tests). */
  static fileBytes(dir: string, n: number): number {
    const path = join(dir, segName(n))
    return existsSync(path) ? statSync(path).size : 0
  }
}

/** Opens (or creates) a spool in `opts.dir`. */
export function openSpool(opts: SpoolOptions): Spool {
  return new Spool(opts)
}

/** Frames a record exactly as `append` does (tests use it to write a torn tail by hand). */
export const frameRecord = frame
