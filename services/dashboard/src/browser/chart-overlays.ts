/// <reference lib="dom" />
/**
 * @module browser/chart-overlays
 * What a sensor's chart draws beyond its series (see browser/chart): anomaly episodes shaded behind the
 * series, and the tooltip of the anomaly marker nearest the cursor.
 */
import type { AnomalyEvent } from '@sluice/contract'
import type uPlot from 'uplot'
import { episodeRegions } from './episode-regions.js'

/** Tooltip border colour per anomaly level. */
const ANOMALY_COLOUR = { unusual: '#f59e0b', 'very-unusual': '#dc2626' } as const
const REGION_FILL = {
  unusual: 'rgba(245,158,11,0.15)',
  'very-unusual': 'rgba(220,38,38,0.15)',
} as const

/**
 * Shades the episodes of `anomalies` within `xRange`; returns how many were shaded. Meant for uPlot's
 * `drawAxes` hook: it runs before the series, so the raw line stays visible over the shading.
 */
export function shadeEpisodes(
  u: uPlot,
  anomalies: readonly AnomalyEvent[],
  xRange: readonly [number, number],
): number {
  const { ctx, bbox } = u
  let shaded = 0
  ctx.save()
  for (const r of episodeRegions(anomalies, xRange[1])) {
    if (r.to < xRange[0] || r.from > xRange[1]) continue
    const x0 = Math.max(bbox.left, u.valToPos(r.from, 'x', true))
    const x1 = Math.min(bbox.left + bbox.width, u.valToPos(r.to, 'x', true))
    ctx.fillStyle = REGION_FILL[r.level]
    // At least 2 px, so a one-sample spike is still a visible band.
    ctx.fillRect(x0 - 1, bbox.top, Math.max(2, x1 - x0 + 1), bbox.height)
    shaded++
  }
  ctx.restore()
  return shaded
}

/** Shows in `tip` the anomaly whose marker (at `x[index]`) is nearest the cursor, or hides it. */
export function showMarkerTip(
  u: uPlot,
  tip: HTMLElement,
  x: Float64Array,
  markEvents: ReadonlyMap<number, AnomalyEvent>,
): void {
  const left = u.cursor.left ?? -1
  let ev: AnomalyEvent | undefined
  let at = -1
  // The marker nearest the cursor within 8 px: a one-sample marker is hard to hit exactly.
  let best = 8
  if (left >= 0) {
    for (const [idx, e] of markEvents) {
      const d = Math.abs(u.valToPos(x[idx]!, 'x') - left)
      if (d <= best) {
        best = d
        ev = e
        at = idx
      }
    }
  }
  if (ev === undefined) {
    tip.hidden = true
    return
  }
  tip.hidden = false
  tip.style.borderColor = ANOMALY_COLOUR[ev.level]
  tip.textContent =
    `${ev.kind} · ${ev.level} · score ${ev.score.toFixed(2)} (threshold ${ev.threshold}) · ` +
    `value ${ev.value} · ${ev.detector}`
  // Keep the whole tip inside the plot: left of the marker near the right edge, below it near the top.
  const px = u.valToPos(x[at]!, 'x')
  const py = u.valToPos(ev.value, 'y')
  tip.style.left = `${Math.max(0, Math.min(px + 8, u.over.clientWidth - tip.offsetWidth))}px`
  tip.style.top = `${py - tip.offsetHeight - 8 >= 0 ? py - tip.offsetHeight - 8 : py + 10}px`
}
