/**
 * @module spool/spool
 * The forwarder's disk spool (DESIGN.md §9): every point bound for a sink is appended here first, and the
 * sink's sender reads from here, so a sink that is down, slow or rate-limited never blocks the data path
 * and a crash loses nothing that was appended.
 *
 * Layout: a directory of append-only segment files `<16-digit number>.seg`, a `cursor.json` naming the
 * first record not yet acknowledged by the sink, and a `lock` naming the process that has it open
 * (`spool/spool-lock.ts`: one process per spool). Each record is framed as
 * `[0xA5][u32 length][u32 crc32][f64 appendedAt][payload]` (little-endian; the CRC covers appendedAt and
 * payload), so a torn tail left by a crash mid-write is detected on open and cut off — it never poisons
 * the spool. Delivery is at least once: records after the cursor are replayed in order after a restart.
 * When the spool's bytes pass `maxBytes`, whole oldest segments are deleted and the unread records in
 * them are counted as evicted, exactly (records of a batch in flight only once that send fails).
 *
 * The cursor is saved at most once per `cursorSaveMs` (acknowledgements in between are saved together,
 * by an unref'd timer), and always at close and when eviction moves it: a crash replays at most what was
 * acknowledged in that time, which at least once allows, and a Pi's SD card is written a few times a
 * second instead of once per batch sent.
 *
 * A full or failing disk (issue 11) never leaves a corrupt record: a write is complete or rolled back to
 * the last whole record (the file never grows past what the index knows, so a truncation can only cut,
 * never pad); every record read is checked against its CRC again before it is sent; and a cursor that
 * cannot be saved stays acknowledged in memory and is saved at the next chance. The caller gets a
 * {@link SpoolWriteError} per refused append, and the next append simply tries again.
 */
import * as nodeFs from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { SpoolWriteError } from '../errors.js'
import { lockSpool } from './spool-lock.js'

/** The file operations the spool uses: `node:fs` by default, injectable to test failing disks. */
export type SpoolFs = Pick<
  typeof nodeFs,
  | 'closeSync'
  | 'existsSync'
  | 'ftruncateSync'
  | 'mkdirSync'
  | 'openSync'
  | 'readFileSync'
  | 'readSync'
  | 'readdirSync'
  | 'renameSync'
  | 'statSync'
  | 'unlinkSync'
  | 'writeFileSync'
  | 'writeSync'
>

const MAGIC = 0xa5
const DEFAULT_CURSOR_SAVE_MS = 200
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
  /**
   * Least time in ms between two saves of the cursor after acknowledgements (default 200; 0 saves it at
   * every acknowledgement). A crash replays at most what was acknowledged in this time.
   */
  readonly cursorSaveMs?: number
  /** File operations (default `node:fs`). */
  readonly fs?: SpoolFs
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
  /** Records that failed their check when read, and were dropped instead of sent (cumulative). */
  readonly corrupt: number
  /** The last append failed (disk full or failing) and no append has succeeded since. */
  readonly writeFailing: boolean
  /**
   * The cursor could not be saved (it holds in memory; a restart would replay from the saved one). Not set
   * while a save is merely put off by `cursorSaveMs`.
   */
  readonly cursorUnsaved: boolean
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

/** Records `from`…`end` (exclusive) of one append, `size` bytes framed, bound for one write to `active`. */
interface Run {
  readonly active: Segment
  readonly from: number
  readonly end: number
  readonly size: number
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

/** The length of the whole, intact record at `pos` in `buf`, or undefined if there is none. */
function recordAt(buf: Buffer, pos: number): number | undefined {
  if (pos + HEADER > buf.length || buf[pos] !== MAGIC) return undefined
  const len = buf.readUInt32LE(pos + 1)
  if (len > SPOOL_MAX_RECORD_BYTES || pos + HEADER + len > buf.length) return undefined
  const crc = buf.readUInt32LE(pos + 5)
  if (crc32(buf.subarray(pos + 9, pos + HEADER + len)) !== crc) return undefined
  return len
}

/** Scans a segment's bytes; returns the valid records' offsets and where the valid prefix ends. */
function scan(buf: Buffer): { offsets: number[]; times: number[]; end: number } {
  const offsets: number[] = []
  const times: number[] = []
  let pos = 0
  for (let len = recordAt(buf, pos); len !== undefined; len = recordAt(buf, pos)) {
    offsets.push(pos)
    times.push(buf.readDoubleLE(pos + 9))
    pos += HEADER + len
  }
  return { offsets, times, end: pos }
}

/** Frames one record into `out` at `pos`; returns where the next one goes. */
function frameInto(out: Buffer, pos: number, payload: Buffer, appendedAt: number): number {
  const end = pos + HEADER + payload.length
  out[pos] = MAGIC
  out.writeUInt32LE(payload.length, pos + 1)
  out.writeDoubleLE(appendedAt, pos + 9)
  payload.copy(out, pos + HEADER)
  out.writeUInt32LE(crc32(out.subarray(pos + 9, end)), pos + 5)
  return end
}

/** Frames one record. */
function frame(payload: Buffer, appendedAt: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length)
  frameInto(out, 0, payload, appendedAt)
  return out
}

/** A payload as the bytes of a record, refused when it is too large to be one of ours. */
function recordBytes(p: Buffer | string): Buffer {
  const buf = typeof p === 'string' ? Buffer.from(p, 'utf8') : p
  if (buf.length > SPOOL_MAX_RECORD_BYTES)
    throw new RangeError(`spool record of ${buf.length} bytes exceeds ${SPOOL_MAX_RECORD_BYTES}`)
  return buf
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
  readonly #fs: SpoolFs
  readonly #dir: string
  readonly #maxBytes: number
  readonly #segmentBytes: number
  readonly #cursorSaveMs: number
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
  #corrupt = 0
  #writeFailing = false
  #cursorUnsaved = false
  /** The cursor in memory is ahead of `cursor.json`: a save is put off (`cursorSaveMs`), or failed. */
  #cursorDirty = false
  /** Armed by a save: acknowledgements until it fires are saved together, when it fires. */
  #cursorTimer: NodeJS.Timeout | undefined
  /** The active file may hold bytes past the index (a rollback failed): cut them before appending. */
  #activeDirty = false
  /** Bytes `base`… of segment `n`, as last read. */
  #readCache: { n: number; base: number; buf: Buffer } | undefined
  /** Gives the directory's lock back (`spool/spool-lock.ts`). */
  readonly #unlock: () => void

  constructor(opts: SpoolOptions) {
    const fs = (this.#fs = opts.fs ?? nodeFs)
    this.#dir = opts.dir
    this.#maxBytes = opts.maxBytes
    this.#segmentBytes = opts.segmentBytes ?? Math.max(4096, Math.floor(opts.maxBytes / 16))
    this.#cursorSaveMs = opts.cursorSaveMs ?? DEFAULT_CURSOR_SAVE_MS
    if (!(this.#cursorSaveMs >= 0))
      throw new RangeError(`spool cursorSaveMs (${this.#cursorSaveMs}) must be 0 or more`)
    if (this.#segmentBytes * 4 > this.#maxBytes)
      throw new RangeError(
        `spool segmentBytes (${this.#segmentBytes}) must be at most a quarter of maxBytes (${this.#maxBytes})`,
      )
    fs.mkdirSync(this.#dir, { recursive: true })
    this.#unlock = lockSpool(this.#dir)
    const names = fs
      .readdirSync(this.#dir)
      .filter((f) => /^\d{16}\.seg$/.test(f))
      .sort()
    for (const name of names) {
      const n = Number(name.slice(0, 16))
      const path = join(this.#dir, name)
      const buf = fs.readFileSync(path)
      const { offsets, times, end } = scan(buf)
      if (end < buf.length) {
        // A torn tail (crash mid-append) or corruption: keep the valid prefix, cut the rest.
        const fd = fs.openSync(path, 'r+')
        fs.ftruncateSync(fd, end)
        fs.closeSync(fd)
        this.#tornTails++
      }
      this.#segments.push({ n, bytes: end, offsets, times })
    }
    if (this.#segments.length === 0) this.#segments.push({ n: 1, bytes: 0, offsets: [], times: [] })
    const active = this.#segments[this.#segments.length - 1]!
    this.#fd = fs.openSync(join(this.#dir, segName(active.n)), 'a')
    this.#cursor = this.#loadCursor()
  }

  #loadCursor(): SpoolCursor {
    const first = this.#segments[0]!
    const path = join(this.#dir, 'cursor.json')
    let c: SpoolCursor = { segment: first.n, offset: 0 }
    if (this.#fs.existsSync(path)) {
      try {
        const parsed = JSON.parse(this.#fs.readFileSync(path, 'utf8')) as Partial<SpoolCursor>
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

  /**
   * Appends records (each a payload), rolling segments and evicting at the cap. Throws a
   * {@link SpoolWriteError} when the disk refuses a write: the records before it are spooled (its
   * `appended`), the failed one is rolled back, and the rest are not written.
   */
  append(payloads: readonly (Buffer | string)[], appendedAt: number): void {
    if (payloads.length === 0) return
    const records = payloads.map(recordBytes)
    let appended = 0
    let failure: { readonly cause: unknown } | undefined
    try {
      if (this.#activeDirty) this.#rollBackActive()
      while (appended < records.length && failure === undefined) {
        const run = this.#runFrom(records, appended)
        const before = run.active.offsets.length
        failure = this.#writeRun(run, records, appendedAt)
        appended += run.active.offsets.length - before
      }
    } catch (err) {
      failure = { cause: err }
    }
    if (failure !== undefined) {
      this.#writeFailing = true
      this.#enforceCap()
      throw new SpoolWriteError(this.#dir, appended, failure.cause)
    }
    this.#writeFailing = false
    this.#enforceCap()
    if (this.#cursorUnsaved) this.#saveCursor()
  }

  /**
   * The records from `from` that go to the disk in one write: the segment they go to (a new one when the
   * first does not fit in the active one), where they end (at least one record) and their framed size.
   */
  #runFrom(records: readonly Buffer[], from: number): Run {
    const limit = this.#segmentBytes
    let active = this.#active()
    let size = HEADER + records[from]!.length
    if (active.bytes > 0 && active.bytes + size > limit) active = this.#roll()
    let end = from + 1
    while (end < records.length && active.bytes + size + HEADER + records[end]!.length <= limit)
      size += HEADER + records[end++]!.length
    return { active, from, end, size }
  }

  /** Starts the next segment. Its file is opened first: on a failure the spool is as it was. */
  #roll(): Segment {
    const next: Segment = { n: this.#active().n + 1, bytes: 0, offsets: [], times: [] }
    const fd = this.#fs.openSync(join(this.#dir, segName(next.n)), 'a')
    this.#fs.closeSync(this.#fd)
    this.#fd = fd
    this.#segments.push(next)
    this.#activeDirty = false
    return next
  }

  /**
   * Frames the records of `run` into one buffer and writes it at the end of the active segment, then
   * indexes the records that went in whole. `writeSync` may write only part of it (a disk filling up), so
   * it loops; on a failure the file is cut back to the last whole record, and the failure is returned.
   */
  #writeRun(
    run: Run,
    records: readonly Buffer[],
    at: number,
  ): { readonly cause: unknown } | undefined {
    const { active, from, end, size } = run
    const buf = Buffer.allocUnsafe(size)
    for (let i = from, pos = 0; i < end; i++) pos = frameInto(buf, pos, records[i]!, at)
    let done = 0
    let failure: { readonly cause: unknown } | undefined
    try {
      while (done < size) {
        const n = this.#fs.writeSync(this.#fd, buf, done, size - done)
        if (n <= 0) throw new Error(`spool write made no progress (${done} of ${size} bytes)`)
        done += n
      }
    } catch (err) {
      failure = { cause: err }
    }
    let written = 0
    for (let i = from; i < end; i++) {
      const length = HEADER + records[i]!.length
      if (written + length > done) break
      active.offsets.push(active.bytes)
      active.times.push(at)
      active.bytes += length
      written += length
    }
    if (written < done) {
      this.#activeDirty = true
      try {
        this.#rollBackActive(active)
      } catch {
        // Still marked: the next append cuts it first. The write's own error is the one to report.
      }
    }
    return failure
  }

  /**
   * Cuts the active file back to the end of its last whole record. The file is never shorter than
   * that (the index grows only after a whole write), so this only cuts, never pads with zeros. If the
   * cut itself fails, the file stays marked and the next append tries it again before writing.
   */
  #rollBackActive(active = this.#active()): void {
    try {
      this.#fs.ftruncateSync(this.#fd, active.bytes)
      this.#activeDirty = false
    } catch {
      // Marked dirty still: no append lands behind the torn bytes until they are cut.
    }
    if (this.#activeDirty)
      throw new Error(`cannot cut a torn record off ${segName(active.n)} in ${this.#dir}`)
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
      this.#fs.unlinkSync(join(this.#dir, segName(oldest.n)))
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
        // Checked again on the way out: whatever happened to the file since, no record that is not
        // exactly what was appended is ever sent.
        const len = recordAt(buf.subarray(0, seg.bytes - base), at)
        if (len === undefined) {
          this.#dropCorrupt(seg, offset)
          break
        }
        appendedAt.push(buf.readDoubleLE(at + 9))
        records.push(Buffer.from(buf.subarray(at + HEADER, at + HEADER + len)))
        offset += HEADER + len
      }
    }
    const next = { segment, offset }
    this.#inFlightEnd = records.length > 0 ? next : undefined
    return { records, appendedAt, next }
  }

  /**
   * A record of `seg` at `offset` failed its check: it and the rest of the segment are dropped unsent and
   * counted. The active segment is cut there, so the next append follows the last good record.
   */
  #dropCorrupt(seg: Segment, offset: number): void {
    const from = firstAtOrAfter(seg.offsets, offset)
    this.#corrupt += seg.offsets.length - from
    seg.offsets.length = from
    seg.times.length = from
    seg.bytes = offset
    this.#readCache = undefined
    if (seg === this.#active()) {
      this.#activeDirty = true
      try {
        this.#rollBackActive(seg)
      } catch {
        // Still marked: the next append cuts it first.
      }
    }
  }

  /** Bytes `from`…end of a segment (a cached read, when it covers them). */
  #segmentRange(seg: Segment, from: number): { base: number; buf: Buffer } {
    const c = this.#readCache
    if (c?.n === seg.n && c.base <= from && c.base + c.buf.length >= seg.bytes) return c
    // Read only what is not yet acknowledged: the active segment grows with every append, and reading
    // it whole for each batch would cost up to segmentBytes (4 MiB by default) per send.
    const buf = Buffer.allocUnsafe(seg.bytes - from)
    const fd = this.#fs.openSync(join(this.#dir, segName(seg.n)), 'r')
    try {
      let got = 0
      while (got < buf.length) {
        const n = this.#fs.readSync(fd, buf, got, buf.length - got, from + got)
        if (n === 0) throw new Error(`spool segment ${segName(seg.n)} is shorter than its index`)
        got += n
      }
    } finally {
      this.#fs.closeSync(fd)
    }
    this.#readCache = { n: seg.n, base: from, buf }
    return this.#readCache
  }

  /**
   * Acknowledges everything before `next` (from a `read`): fully read segments are deleted, then the
   * cursor is saved (at most once per `cursorSaveMs`, and at close). It never throws for a cursor the disk
   * refuses: the acknowledgement holds in memory (`stats().cursorUnsaved`) and the cursor is saved at the
   * next append, acknowledgement or timer.
   */
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
      this.#fs.unlinkSync(join(this.#dir, segName(done.n)))
    }
    if (this.#writeFailing) this.#reclaimActive()
    this.#cursorMoved()
  }

  /**
   * The cursor moved on an acknowledgement: saved now, unless a save was made less than `cursorSaveMs`
   * ago; then the timer that save armed saves it, with whatever else is acknowledged until then.
   */
  #cursorMoved(): void {
    this.#cursorDirty = true
    if (this.#cursorTimer !== undefined) return
    this.#saveCursor()
    if (this.#cursorSaveMs > 0) this.#armCursorTimer()
  }

  #armCursorTimer(): void {
    this.#cursorTimer = setTimeout(() => {
      this.#cursorTimer = undefined
      // Nothing acknowledged since the last save: the next acknowledgement saves at once.
      if (!this.#cursorDirty) return
      this.#saveCursor()
      this.#armCursorTimer()
    }, this.#cursorSaveMs)
    // A spool waiting to save its cursor must not keep the process alive: close saves it anyway.
    this.#cursorTimer.unref()
  }

  /**
   * On a disk that refuses writes, an active segment whose every record is acknowledged still holds its
   * space (it would be deleted only once full, which it cannot get): start a fresh segment and delete it,
   * so the space returns and the spool heals.
   */
  #reclaimActive(): void {
    const active = this.#active()
    if (active.bytes === 0 || this.#cursor.segment !== active.n) return
    if (this.#cursor.offset < active.bytes) return
    try {
      const fresh = this.#roll()
      this.#segments.splice(this.#segments.indexOf(active), 1)
      if (this.#readCache?.n === active.n) this.#readCache = undefined
      this.#cursor = { segment: fresh.n, offset: 0 }
      this.#fs.unlinkSync(join(this.#dir, segName(active.n)))
    } catch {
      // Not even an empty file can be made: the next acknowledgement tries again.
    }
  }

  #saveCursor(): void {
    const path = join(this.#dir, 'cursor.json')
    // Write-then-rename, so a crash leaves the old cursor or the new one, never half of one. On a full
    // disk the old one stays: a restart then replays a little (at least once), nothing is lost.
    try {
      this.#fs.writeFileSync(`${path}.tmp`, JSON.stringify(this.#cursor))
      this.#fs.renameSync(`${path}.tmp`, path)
      this.#cursorDirty = false
      this.#cursorUnsaved = false
    } catch {
      this.#cursorDirty = true
      this.#cursorUnsaved = true
    }
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
      corrupt: this.#corrupt,
      writeFailing: this.#writeFailing,
      cursorUnsaved: this.#cursorUnsaved,
      oldestAppendedAt: oldest,
    }
  }

  /** Saves the cursor if it moved, closes the active segment file and gives the directory's lock back. */
  close(): void {
    clearTimeout(this.#cursorTimer)
    this.#cursorTimer = undefined
    if (this.#cursorDirty) this.#saveCursor()
    this.#fs.closeSync(this.#fd)
    this.#unlock()
  }

  /** Size of a segment file on disk (tests). */
  static fileBytes(dir: string, n: number): number {
    const path = join(dir, segName(n))
    return nodeFs.existsSync(path) ? nodeFs.statSync(path).size : 0
  }
}

/** Opens (or creates) a spool in `opts.dir`. */
export function openSpool(opts: SpoolOptions): Spool {
  return new Spool(opts)
}

/** Frames a record exactly as `append` does (tests use it to write a torn tail by hand). */
export const frameRecord = frame
