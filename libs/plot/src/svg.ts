/**
 * @module svg
 * Dependency-free charts in SVG: horizontal bars and lines over x. Every plot in `docs/performance.md`
 * (`pnpm bench`) and `docs/lab.md` (`sluice lab`) is drawn by these from measured numbers, never by hand.
 */

/** One bar of {@link barChart}: a labelled value with its unit. */
export interface BarRow {
  readonly case: string
  readonly value: number
  readonly unit: string
}

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
export function barChart(title: string, rows: readonly BarRow[]): string {
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

/** One named line of {@link lineChart}: points in x order. */
export interface LineSeries {
  readonly name: string
  readonly points: readonly { readonly x: number; readonly y: number }[]
  /** Also mark each point with a dot (for a few measured points rather than a dense series). */
  readonly dots?: boolean
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Dashed horizontal reference lines, e.g. a queue's 80 % and 95 % marks. */
  readonly hLines?: readonly { readonly y: number; readonly label: string }[]
  /**
   * Bottom of the y axis. Default 0 (or the lowest point, when below 0), so growth is seen at its true
   * proportion; a signal around 500 wants its own range.
   */
  readonly yMin?: number
  /** Top of the y axis. Default 10 % above the highest point or reference line. */
  readonly yMax?: number
}

const LINE_COLOURS = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#6b7280']

/**
 * A dependency-free line chart in SVG (e.g. RSS over time), with the y axis from 0 by default so that
 * growth is seen at its true proportion, optional reference lines, and a legend.
 *
 * @example
 * ```ts
 * writeFileSync('fill.svg', lineChart('Queue', 's', 'samples', [{ name: 'fill', points }],
 *   { hLines: [{ y: 40, label: '80 %' }] }))
 * ```
 */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly LineSeries[],
  options: LineChartOptions = {},
): string {
  const W = 720
  const H = 320
  const left = 60
  const right = 150
  const top = 36
  const bottom = 40
  const all = series.flatMap((s) => s.points)
  const xMax = Math.max(...all.map((p) => p.x), 1e-12)
  const xMin = Math.min(...all.map((p) => p.x), 0)
  const hLines = options.hLines ?? []
  const ys = [...all.map((p) => p.y), ...hLines.map((l) => l.y)]
  const yMin = options.yMin ?? Math.min(0, ...ys)
  const yTop = Math.max(...ys, yMin + 1e-12)
  const yMax = options.yMax ?? yTop + (yTop - yMin) * 0.1
  const px = (x: number): number => left + ((x - xMin) / (xMax - xMin || 1)) * (W - left - right)
  const py = (y: number): number => top + (1 - (y - yMin) / (yMax - yMin)) * (H - top - bottom)
  const ticks = [0, 0.25, 0.5, 0.75, 1]
  const grid = ticks
    .map((f) => {
      const v = yMin + f * (yMax - yMin)
      const y = py(v)
      return (
        `<line x1="${left}" y1="${y.toFixed(1)}" x2="${W - right}" y2="${y.toFixed(1)}" stroke="#e5e7eb"/>` +
        `<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${formatSi(v)}</text>`
      )
    })
    .join('\n')
  const refs = hLines
    .map((l) => {
      const y = py(l.y).toFixed(1)
      return (
        `<line x1="${left}" y1="${y}" x2="${W - right}" y2="${y}" stroke="#6b7280" stroke-dasharray="4 3"/>` +
        `<text x="${W - right - 4}" y="${(Number(y) - 3).toFixed(1)}" text-anchor="end" fill="#6b7280">${escapeXml(l.label)}</text>`
      )
    })
    .join('\n')
  const xTicks = ticks
    .map((f) => {
      const x = xMin + f * (xMax - xMin)
      return `<text x="${px(x).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${formatSi(x)}</text>`
    })
    .join('\n')
  const lines = series
    .map((s, i) => {
      const colour = LINE_COLOURS[i % LINE_COLOURS.length]!
      const d = s.points
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
        .join(' ')
      const ly = top + 14 + i * 18
      const dots =
        s.dots === true
          ? s.points
              .map(
                (p) =>
                  `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${colour}"/>`,
              )
              .join('')
          : ''
      return (
        `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>` +
        dots +
        `<rect x="${W - right + 10}" y="${ly - 9}" width="12" height="3" fill="${colour}"/>` +
        `<text x="${W - right + 28}" y="${ly - 4}">${escapeXml(s.name)}</text>`
      )
    })
    .join('\n')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    grid,
    xTicks,
    refs,
    `<line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="#9ca3af"/>`,
    `<text x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${(top + H - bottom) / 2}" transform="rotate(-90 14 ${(top + H - bottom) / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    lines,
    `</svg>`,
  ]
    .filter((part) => part !== '')
    .join('\n')
}
