/**
 * @module nab/csv
 * Reading and writing NAB's CSV files: data files (`timestamp,value`) and results files
 * (`timestamp,anomaly_score[,…]`). Pure string ↔ array functions, so the scorer stays testable without
 * files; the corpus module does the reading.
 */

/** The columns of a NAB CSV, with the timestamp column kept as text. */
export interface NabSeries {
  readonly timestamps: string[]
  readonly values: Float64Array
}

/**
 * Parses a NAB CSV and returns its `timestamp` column and one numeric column.
 *
 * @param column name of the numeric column, `value` for data files, `anomaly_score` for results.
 * @throws RangeError when the header has no such column or a cell is not a number.
 * @example
 * ```ts
 * parseNabCsv('timestamp,value\n2014-07-01 00:00:00,10844\n', 'value').values[0] // 10844
 * ```
 */
export function parseNabCsv(text: string, column: string, source = 'csv'): NabSeries {
  const lines = text.split('\n')
  const header = (lines[0] ?? '').trim().split(',')
  const tsCol = header.indexOf('timestamp')
  const valueCol = header.indexOf(column)
  if (tsCol === -1 || valueCol === -1) {
    throw new RangeError(
      `${source}: header "${header.join(',')}" lacks "timestamp" or "${column}"; is this a NAB file?`,
    )
  }
  let count = 0
  for (let i = 1; i < lines.length; i++) if (lines[i]!.trim() !== '') count++
  const timestamps = new Array<string>(count)
  const values = new Float64Array(count)
  let n = 0
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    const cells = line.split(',')
    const v = Number(cells[valueCol])
    if (cells[valueCol] === undefined || cells[valueCol].trim() === '' || Number.isNaN(v)) {
      throw new RangeError(`${source}:${i + 1}: "${column}" is not a number in "${line.trim()}"`)
    }
    timestamps[n] = (cells[tsCol] ?? '').trim()
    values[n] = v
    n++
  }
  return { timestamps, values }
}

/**
 * Formats a results file in NAB's layout: `timestamp,anomaly_score`, one row per data row.
 */
export function formatNabResults(timestamps: readonly string[], scores: ArrayLike<number>): string {
  const parts = new Array<string>(timestamps.length + 1)
  parts[0] = 'timestamp,anomaly_score'
  for (let i = 0; i < timestamps.length; i++) parts[i + 1] = `${timestamps[i]!},${scores[i]!}`
  return parts.join('\n') + '\n'
}

/** A CSV's timestamp column and every other column, each numeric. */
export interface MultiSeries {
  readonly timestamps: string[]
  readonly names: string[]
  readonly columns: Float64Array[]
}

/**
 * Parses a CSV with a `timestamp` column (or, without one, the row number) and any number of numeric
 * columns, e.g. one recording of a device's channels. Empty cells are NaN (a detector skips the row).
 *
 * @throws RangeError when a cell is not a number.
 * @example
 * ```ts
 * parseCsvColumns('timestamp,current,flow\n1,2.5,60\n').names // ['current', 'flow']
 * ```
 */
export function parseCsvColumns(text: string, source = 'csv'): MultiSeries {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  const header = (lines[0] ?? '')
    .trim()
    .split(',')
    .map((h) => h.trim())
  const tsCol = header.indexOf('timestamp')
  const cols = header.map((_, i) => i).filter((i) => i !== tsCol)
  const rows = lines.length - 1
  const columns = cols.map(() => new Float64Array(rows))
  const timestamps = new Array<string>(rows)
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(',')
    timestamps[r] = tsCol === -1 ? String(r) : (cells[tsCol] ?? '').trim()
    cols.forEach((c, k) => {
      const cell = (cells[c] ?? '').trim()
      const v = cell === '' ? Number.NaN : Number(cell)
      if (cell !== '' && Number.isNaN(v)) {
        throw new RangeError(`${source}:${r + 2}: "${header[c]!}" is not a number: "${cell}"`)
      }
      columns[k]![r] = v
    })
  }
  return { timestamps, names: cols.map((c) => header[c]!), columns }
}
