/// <reference lib="dom" />
/**
 * @module browser/chart
 * One sensor's chart, drawn with uPlot (canvas, ~50 KB, built for streaming time series): the raw stream,
 * the mean of one window with a ±std band, anomaly episodes shaded as regions (from their start to their
 * last alert, or to the right edge while open), and a marker at each episode's start whose score and level
 * show on hover. The
 * data arrays are allocated once per chart and refilled on each draw, so redrawing 10 times a second for
 * hours allocates nothing that lives. The `draw` hook tells the page when the canvas holds the new samples,
 * which is the "render time" of sensor-to-screen latency.
 */
import type { AnomalyEvent } from '@sluice/contract'
import uPlot from 'uplot'
import { episodeRegions, isMarked } from './episode-regions.js'
import type { SensorSeries } from './sensor-store.js'

/** Options of {@link createSensorChart}. */
export interface SensorChartOptions {
  readonly series: SensorSeries
  readonly container: HTMLElement
  readonly width: number
  readonly height: number
  /** Called after each draw. */
  readonly onDrawn: (series: SensorSeries) => void
}

/** A live chart of one sensor. */
export interface SensorChart {
  readonly key: string
  /** Refills the data for the span ending at `xMax`, using window `windowName` for the band. */
  update(xMax: number, spanMs: number, windowName: string | undefined): void
  resize(width: number): void
  /** Where the anomaly markers are now, in page (client) pixels. */
  markers(): { readonly x: number; readonly y: number; readonly ev: AnomalyEvent }[]
  destroy(): void
}

const ANOMALY_COLOUR = { unusual: '#f59e0b', 'very-unusual': '#dc2626' } as const
const REGION_FILL = {
  unusual: 'rgba(245,158,11,0.15)',
  'very-unusual': 'rgba(220,38,38,0.15)',
} as const

/**
 * Creates a chart inside `container`.
 *
 * @example
 * ```ts
 * const chart = createSensorChart({ series, container, width: 600, height: 180, onDrawn })
 * chart.update(Date.now(), 60_000, 't5s')
 * ```
 */
export function createSensorChart(options: SensorChartOptions): SensorChart {
  const { series, container, onDrawn } = options
  const cap = series.samples.capacity
  const x = new Float64Array(cap)
  const y = new Float64Array(cap)
  const hi: (number | null)[] = []
  const mean: (number | null)[] = []
  const lo: (number | null)[] = []
  const marks: (number | null)[] = []
  // Which anomaly sits at each marked index, for the hover tooltip.
  const markEvents = new Map<number, AnomalyEvent>()
  let xRange: [number, number] = [0, 1]

  const root = document.createElement('div')
  root.className = 'chart'
  root.dataset.sensor = series.key
  const title = document.createElement('div')
  title.className = 'chart-title'
  title.textContent = series.key
  const tip = document.createElement('div')
  tip.className = 'chart-tip'
  tip.hidden = true
  root.append(title)
  container.append(root)

  const plot = new uPlot(
    {
      width: options.width,
      height: options.height,
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: true, range: () => [xRange[0], xRange[1]] } },
      series: [
        {},
        { label: 'raw', stroke: '#2563eb', width: 1 },
        { label: 'mean+std', stroke: 'rgba(16,185,129,0.5)', width: 1, dash: [4, 4] },
        { label: 'mean', stroke: '#059669', width: 2 },
        { label: 'mean-std', stroke: 'rgba(16,185,129,0.5)', width: 1, dash: [4, 4] },
        {
          label: 'anomaly',
          stroke: '#dc2626',
          width: 0,
          paths: () => null,
          points: { show: true, size: 10, width: 2, fill: '#fee2e2', stroke: '#dc2626' },
        },
      ],
      bands: [{ series: [2, 4], fill: 'rgba(16,185,129,0.12)' }],
      axes: [{ stroke: '#64748b' }, { stroke: '#64748b', size: 56 }],
      hooks: {
        drawAxes: [(u) => shadeEpisodes(u)],
        draw: [
          () => {
            root.dataset.points = String(plot.data[0].length)
            root.dataset.markers = String(markEvents.size)
            onDrawn(series)
          },
        ],
        setCursor: [(u) => showTip(u)],
      },
    },
    [x.subarray(0, 0), y.subarray(0, 0), hi, mean, lo, marks],
    root,
  )
  plot.over.append(tip)

  function showTip(u: uPlot): void {
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

  // Behind the series: drawAxes runs before them, so the raw line stays visible over the shading.
  function shadeEpisodes(u: uPlot): void {
    const { ctx, bbox } = u
    let shaded = 0
    ctx.save()
    for (const r of episodeRegions(series.anomalies, xRange[1])) {
      if (r.to < xRange[0] || r.from > xRange[1]) continue
      const x0 = Math.max(bbox.left, u.valToPos(r.from, 'x', true))
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(r.to, 'x', true))
      ctx.fillStyle = REGION_FILL[r.level]
      // At least 2 px, so a one-sample spike is still a visible band.
      ctx.fillRect(x0 - 1, bbox.top, Math.max(2, x1 - x0 + 1), bbox.height)
      shaded++
    }
    ctx.restore()
    root.dataset.episodes = String(shaded)
  }

  function fillBand(n: number, windowName: string | undefined): void {
    hi.length = mean.length = lo.length = n
    const ring = windowName === undefined ? undefined : series.windows.get(windowName)
    let j = 0
    let have = false
    let m = 0
    let s = 0
    for (let k = 0; k < n; k++) {
      // Step-hold: each raw point shows the latest window that had closed by its time.
      if (ring !== undefined) {
        while (j < ring.length && ring.end[ring.index(j)]! <= x[k]!) {
          m = ring.mean[ring.index(j)]!
          s = ring.std[ring.index(j)]!
          have = true
          j++
        }
      }
      mean[k] = have ? m : null
      hi[k] = have ? m + s : null
      lo[k] = have ? m - s : null
    }
  }

  function fillMarks(n: number): void {
    marks.length = n
    marks.fill(null)
    markEvents.clear()
    if (n === 0) return
    for (const ev of series.anomalies) {
      if (!isMarked(ev)) continue
      if (ev.t < x[0]! || ev.t > x[n - 1]!) continue
      let a = 0
      let b = n - 1
      while (a < b) {
        const mid = (a + b) >>> 1
        if (x[mid]! < ev.t) a = mid + 1
        else b = mid
      }
      marks[a] = ev.value
      markEvents.set(a, ev)
    }
  }

  return {
    key: series.key,
    update(xMax, spanMs, windowName) {
      const n = series.samples.copySince(xMax - spanMs, x, y)
      xRange = [xMax - spanMs, xMax]
      fillBand(n, windowName)
      fillMarks(n)
      plot.setData([x.subarray(0, n), y.subarray(0, n), hi, mean, lo, marks])
    },
    markers() {
      const box = plot.over.getBoundingClientRect()
      return [...markEvents].map(([idx, ev]) => ({
        x: box.left + plot.valToPos(x[idx]!, 'x'),
        y: box.top + plot.valToPos(ev.value, 'y'),
        ev,
      }))
    },
    resize(width) {
      plot.setSize({ width, height: options.height })
    },
    destroy() {
      plot.destroy()
      root.remove()
    },
  }
}
