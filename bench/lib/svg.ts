/**
 * @module bench/lib/svg
 * A dependency-free horizontal bar chart in SVG, drawn from benchmark rows, so every plot in
 * `docs/performance.md` is generated from the results files and never drawn by hand.
 */
import type { BenchRow } from './results.js'

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** Formats a number with 3 significant digits and an SI suffix: 5 230 000 → "5.23 M". */
export function formatSi(v: number): string {
  const abs = Math.abs(v)
  const [div, suffix] =
    abs >= 1e9 ? [1e9, ' G'] : abs >= 1e6 ? [1e6, ' M'] : abs >= 1e3 ? [1e3, ' k'] : [1, '']
  return `${(v / div).toPrecision(3)}${suffix}`
}

/** One bar per row of the same unit; rows of other units are left out of this chart. */
export function barChart(title: string, rows: readonly BenchRow[]): string {
  const unit = rows[0]?.unit ?? ''
  const same = rows.filter((r) => r.unit === unit && Number.isFinite(r.value))
  const max = Math.max(...same.map((r) => r.value), 1e-12)
  const labelW = 330
  const barW = 360
  const rowH = 22
  const h = 40 + same.length * rowH + 10
  const bars = same
    .map((r, i) => {
      const y = 36 + i * rowH
      const w = Math.max(1, (r.value / max) * barW)
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeXml(r.case)}</text>` +
        `<rect x="${labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#3b82f6"/>` +
        `<text x="${labelW + w + 4}" y="${y + 14}">${formatSi(r.value)} ${escapeXml(r.unit)}</text>`
      )
    })
    .join('\n')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 140}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(title)} (${escapeXml(unit)})</text>`,
    bars,
    `</svg>`,
  ].join('\n')
}
