/**
 * @module hop/shared-scan
 * One reading of a raw batch for every hop of this process that receives it (issue 16). In `sluice up`'s
 * one process, windowing and anomaly each receive every raw message, each through its own MQTT client
 * and hop, and each read the same bytes into the same columns: the largest per-sample cost left after the
 * detectors (7 % of the process at 250 000 samples/s, half of it the second reading). The columns depend
 * on the bytes alone and no one writes to them (`RawColumns` is read-only; an entry keeps its own
 * `from`/`end`), so the hop that reads a batch second takes the first one's columns.
 *
 * The batches read in the last {@link REMEMBER_MS} are remembered with a copy of their bytes, found by a
 * hash of their length and some of their bytes, and taken only when the whole bytes are equal: a hash
 * that collides, or a batch read longer ago, is read again, which costs what it cost before. A service
 * running alone reads every batch once, as before, plus one lookup. Small payloads (a lone sample) are
 * read by each hop: see {@link SHARE_FROM}.
 */
import { scanRawColumns, type RawColumns } from '@sluice/contract'

/**
 * How long a reading is remembered, in ms: the hops of one process that receive a message read it within
 * a turn or two of the event loop, and a message is delivered to each of them in one turn of the broker.
 */
export const REMEMBER_MS = 100
/** The most readings remembered however fast they come (a bound on the memory, a few MB at most). */
export const MOST = 2048
/**
 * Only payloads of at least this many bytes are shared. Reading a lone sample (about 70 bytes, four
 * numbers) twice costs less than remembering it: the copy of its bytes is a typed array too large for
 * V8's heap (over 64 bytes), so its memory is allocated and later freed outside it. With lone samples
 * shared, `scanRawColumnsShared` took 1.2 % of the one process's profile at 100 sensors × 100 Hz and the
 * reading itself 0.3 % (issue 16).
 */
export const SHARE_FROM = 512

interface Read {
  readonly bytes: Uint8Array
  readonly columns: RawColumns
  readonly at: number
}

/** By hash, oldest first (a Map keeps the order of insertion). */
const byHash = new Map<number, Read>()

/** The leading and trailing bytes hashed whole: the first sequence number, the last ingest time. */
const ENDS = 24
/** Bytes hashed between them, spread evenly. */
const SPREAD = 64

/** A hash of the length, the first and last {@link ENDS} bytes and {@link SPREAD} bytes between. */
export function hashOf(b: Uint8Array): number {
  const n = b.length
  let h = n
  const head = Math.min(ENDS, n)
  const tail = Math.max(head, n - ENDS)
  for (let i = 0; i < head; i++) h = (Math.imul(h, 31) + b[i]!) | 0
  const step = Math.max(1, Math.floor((tail - head) / SPREAD))
  for (let i = head; i < tail; i += step) h = (Math.imul(h, 31) + b[i]!) | 0
  for (let i = tail; i < n; i++) h = (Math.imul(h, 31) + b[i]!) | 0
  return h
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** Forgets the readings older than {@link REMEMBER_MS}, and the oldest past {@link MOST}. */
function forget(now: number): void {
  for (const [hash, read] of byHash) {
    if (byHash.size <= MOST && now - read.at <= REMEMBER_MS) return
    byHash.delete(hash)
  }
}

/**
 * `scanRawColumns(bytes)`, shared: the columns of an equal batch read lately in this process, else a new
 * reading (remembered when it succeeds).
 *
 * @example
 * scanRawColumnsShared(payloadOfWindowing) === scanRawColumnsShared(sameBytesForAnomaly) // true
 */
export function scanRawColumnsShared(bytes: Uint8Array, now?: number): RawColumns | undefined {
  if (bytes.length < SHARE_FROM) return scanRawColumns(bytes)
  const hash = hashOf(bytes)
  const known = byHash.get(hash)
  if (known !== undefined && sameBytes(known.bytes, bytes)) return known.columns
  const columns = scanRawColumns(bytes)
  if (columns === undefined) return undefined
  const at = now ?? performance.now()
  // Last in the order: deleted first when the hash was taken by other bytes.
  byHash.delete(hash)
  // A copy: whoever owns `bytes` may reuse them; the columns belong to these bytes only. Not
  // `bytes.slice()`: on a Node Buffer (what MQTT delivers) that is a view of the same memory.
  byHash.set(hash, { bytes: new Uint8Array(bytes), columns, at })
  forget(at)
  return columns
}
