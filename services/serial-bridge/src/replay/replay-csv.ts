/**
 * @module replay/replay-csv
 * Reads a recording for replay mode (DESIGN.md §10). Two layouts are accepted, told apart by the header
 * (the first non-empty line; it is required):
 *
 * - `timestamp,value[,value…]` — the layout of the Numenta Anomaly Benchmark's data files
 *   (`2015-02-26 21:42:53,35`). The sequence number is the row number, from 0. The time column may also be
 *   called `t`, `time`, `datetime` or `date`.
 * - `seq,t,value[,value…]` — what the bridge itself would record: the device sequence number, then the
 *   event time.
 *
 * Cells are separated by commas, or by semicolons or tabs when the header has those and no comma (SKAB's
 * machine recordings: `datetime;Accelerometer1RMS;…;anomaly;changepoint`). Columns named in `skipColumns`
 * (a recording's labels, say) are read past and not replayed.
 *
 * A time is either a number (milliseconds since the epoch, fraction allowed) or an ISO 8601 date-time;
 * a date-time without a zone, such as NAB's `2015-02-26 21:42:53`, is taken as UTC, so a replay gives the
 * same times on every machine. The header's value column names are reported (they may name channels).
 * Rows out of time order are kept (real recordings have them: NAB's `machine_temperature_system_failure`
 * steps back an hour once) and counted; a paced replay sends them at once, and event-time windows deal with
 * them. Bad rows are skipped and counted, with the first few described, and a file with no usable row is an
 * error. Pure: text in, records out.
 */
import { ReplayFileError } from '../errors.js'

/** One replayed reading: a line of the device, as it was recorded. */
export interface ReplayRecord {
  readonly seq: number
  /** Recorded event time, ms since the epoch. */
  readonly t: number
  readonly values: readonly number[]
}

/** A parsed recording. */
export interface ReplayData {
  readonly format: 'timestamp' | 'seq-t'
  /** Names of the value columns in the header. */
  readonly valueColumns: readonly string[]
  readonly records: readonly ReplayRecord[]
  /** Rows skipped because they could not be used. */
  readonly skipped: number
  /** Rows whose time is earlier than an earlier row's (kept). */
  readonly outOfOrder: number
  /** Up to five descriptions of skipped rows (`line 12: …`). */
  readonly problems: readonly string[]
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/

/**
 * Parses a time cell: epoch milliseconds, or an ISO 8601 date-time (UTC when it has no zone).
 * Returns NaN when the cell is not a time.
 *
 * @example
 * ```ts
 * parseReplayTime('2015-02-26 21:42:53') // 1424986973000
 * parseReplayTime('1424986973000.5')     // 1424986973000.5
 * ```
 */
export function parseReplayTime(cell: string): number {
  const s = cell.trim()
  if (NUMBER.test(s)) return Number(s)
  if (NO_ZONE.test(s)) return Date.parse(`${s.replace(' ', 'T')}Z`)
  // Date.parse accepts only ISO-like strings with a zone reliably; anything else is refused below.
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) return Date.parse(s)
  return NaN
}

/** Names the time column of the `timestamp` layout may have. */
const TIME_COLUMNS = new Set(['timestamp', 't', 'time', 'datetime', 'date'])

function splitRow(line: string, separator: string): string[] {
  // The replay formats hold numbers and times only, so quoting is just stripped, not interpreted.
  return line.split(separator).map((c) => c.trim().replace(/^"(.*)"$/, '$1'))
}

/** A comma, or a semicolon or tab when the header has one and no comma. */
function separatorOf(header: string): string {
  if (header.includes(',')) return ','
  if (header.includes(';')) return ';'
  return header.includes('\t') ? '\t' : ','
}

/** Options of {@link parseReplayCsv}. */
export interface ReplayCsvOptions {
  /** Value columns (by header name, any case) that are read past and not replayed. */
  readonly skipColumns?: readonly string[]
}

/**
 * The indexes of the value columns to replay: those from `firstValue` on that `skipColumns` does not name.
 *
 * @throws {ReplayFileError} when `skipColumns` names a column the header does not have, or all of them.
 */
function keptColumns(
  header: readonly string[],
  firstValue: number,
  skipColumns: readonly string[],
  file: string,
): number[] {
  const values = header.slice(firstValue)
  const skip = new Set(skipColumns.map((c) => c.toLowerCase()))
  const missing = [...skip].filter((c) => !values.includes(c))
  if (missing.length > 0) {
    const names = missing.map((c) => `'${c}'`).join(', ')
    throw new ReplayFileError(
      file,
      `${file}: no column ${names} to skip; its value columns are ${values.join(', ')}`,
    )
  }
  const kept = header.flatMap((h, c) => (c >= firstValue && !skip.has(h) ? [c] : []))
  if (kept.length === 0) throw new ReplayFileError(file, `${file}: every value column is skipped`)
  return kept
}

/**
 * Parses a replay CSV.
 *
 * @throws {ReplayFileError} when the header is missing or unknown, or no row is usable; `file` only
 *   names the source in messages.
 *
 * @example
 * ```ts
 * const data = parseReplayCsv('timestamp,value\n2015-02-26 21:42:53,35\n2015-02-26 21:47:53,41\n')
 * data.records // [{ seq: 0, t: 1424986973000, values: [35] }, { seq: 1, t: 1424987273000, values: [41] }]
 * ```
 */
export function parseReplayCsv(
  text: string,
  file = 'replay CSV',
  options: ReplayCsvOptions = {},
): ReplayData {
  const lines = text.split(/\r?\n/)
  let row = 0
  while (row < lines.length && lines[row]!.trim() === '') row++
  if (row >= lines.length) throw new ReplayFileError(file, `${file}: the file is empty`)
  const headerLine = lines[row]!.replace(/^\uFEFF/, '')
  const separator = separatorOf(headerLine)
  const header = splitRow(headerLine, separator).map((h) => h.toLowerCase())
  let format: ReplayData['format']
  let firstValue: number
  if (
    header[0] === 'seq' &&
    (header[1] === 't' || header[1] === 'timestamp') &&
    header.length >= 3
  ) {
    format = 'seq-t'
    firstValue = 2
  } else if (TIME_COLUMNS.has(header[0]!) && header.length >= 2) {
    format = 'timestamp'
    firstValue = 1
  } else {
    throw new ReplayFileError(
      file,
      `${file}: unknown header '${lines[row]!.slice(0, 60)}': expected 'timestamp,value[,value…]' (NAB layout) ` +
        `or 'seq,t,value[,value…]'`,
    )
  }
  const kept = keptColumns(header, firstValue, options.skipColumns ?? [], file)
  const valueColumns = kept.map((c) => header[c]!)
  const width = header.length
  const records: ReplayRecord[] = []
  const problems: string[] = []
  let skipped = 0
  let lastT = -Infinity
  let outOfOrder = 0
  const skipRow = (lineNo: number, why: string): void => {
    skipped++
    if (problems.length < 5) problems.push(`line ${lineNo}: ${why}`)
  }

  for (let i = row + 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    const cells = splitRow(line, separator)
    if (cells.length !== width) {
      skipRow(i + 1, `${cells.length} columns, expected ${width}`)
      continue
    }
    const t = parseReplayTime(format === 'seq-t' ? cells[1]! : cells[0]!)
    if (!Number.isFinite(t)) {
      skipRow(i + 1, `'${format === 'seq-t' ? cells[1] : cells[0]}' is not a time`)
      continue
    }
    let seq = records.length
    if (format === 'seq-t') {
      const s = Number(cells[0])
      if (!/^\d+$/.test(cells[0]!) || !Number.isSafeInteger(s)) {
        skipRow(i + 1, `'${cells[0]}' is not a sequence number`)
        continue
      }
      seq = s
    }
    const values: number[] = []
    let bad: string | undefined
    for (const c of kept) {
      const cell = cells[c]!
      if (!NUMBER.test(cell)) {
        bad = cell
        break
      }
      values.push(Number(cell))
    }
    if (bad !== undefined) {
      skipRow(i + 1, `'${bad}' is not a number`)
      continue
    }
    if (t < lastT) outOfOrder++
    else lastT = t
    records.push({ seq, t, values })
  }
  if (records.length === 0) {
    throw new ReplayFileError(
      file,
      `${file}: no usable rows${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`,
    )
  }
  return { format, valueColumns, records, skipped, outOfOrder, problems }
}

/**
 * When a record is due on the wall clock in a paced replay: the recording's pace divided by `speed`
 * (2 = twice as fast). `Infinity` means as fast as possible: every record is due at once.
 *
 * @example
 * ```ts
 * replayDueTime({ firstT: 0, startWall: 1000, speed: 10 }, 5000) // 1500
 * ```
 */
export function replayDueTime(
  clock: { readonly firstT: number; readonly startWall: number; readonly speed: number },
  t: number,
): number {
  if (clock.speed === Infinity) return clock.startWall
  return clock.startWall + (t - clock.firstT) / clock.speed
}
