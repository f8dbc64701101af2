/**
 * @module browser/format
 * Number formatting for the page: short, fixed-width-friendly, and never `NaN` on screen. Pure.
 */

/** A rate or count with 3 significant digits and k/M suffixes: 1234 → "1.23k". */
export function formatRate(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–'
  const a = Math.abs(v)
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`
  if (a >= 100 || a === 0) return v.toFixed(0)
  return v.toPrecision(3)
}

/** A sensor value: up to 4 significant digits after the point. */
export function formatValue(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–'
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString()
}

/** Milliseconds, one decimal under 10. */
export function formatMs(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–'
  return v < 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(0)} ms`
}

const two = (n: number): string => String(n).padStart(2, '0')

/**
 * A time of day, local, as `HH:MM:SS`: the charts' time axis, the anomaly list and the services' `since`.
 * The page shows minutes of data, so it never needs the date, which uPlot's default axis labels add on a
 * second row where the minute or day changes, and which overlap in a narrow chart.
 */
export function formatClock(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  const d = new Date(ms)
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}
