/**
 * @module lab/table
 * The short table every lab experiment prints: right-aligned numbers, left-aligned words, a rule under
 * the header. Pure, so the same table is what the tests check and what `docs/lab.md` shows.
 */
import type { LabTable } from './experiment.js'

/** Rounds a measured number for a table: 3 significant digits, integers kept whole. */
export function round(v: number, digits = 3): number {
  if (!Number.isFinite(v) || v === 0) return v
  if (Number.isInteger(v) && Math.abs(v) >= 10 ** (digits - 1)) return v
  return Number(v.toPrecision(digits))
}

/** Formats a table for the terminal (and, inside a code block, for Markdown). */
export function formatTable(table: LabTable): string {
  const cells = [table.columns, ...table.rows].map((row) => row.map((c) => String(c)))
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const numeric = table.columns.map((_, i) => table.rows.every((r) => typeof r[i] === 'number'))
  const line = (row: readonly string[]): string =>
    row
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [
    line(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n')
}

/** Mean of a list (NaN when empty). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length
}

/** Population standard deviation of a list (NaN when empty). */
export function std(xs: readonly number[]): number {
  const m = mean(xs)
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)))
}

/** The q-quantile (0…1) of a list, by nearest rank (NaN when empty). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
