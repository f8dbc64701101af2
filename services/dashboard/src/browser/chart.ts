/// <reference lib="dom" />
/**
 * @module browser/chart
 * One sensor's chart, drawn with uPlot (canvas, ~50 KB, built for streaming time series): the raw stream,
 * the mean of one window with a ±std band, anomaly episodes shaded as regions (from their start to their
 * last alert, or to the right edge while open), and a marker at each episode's start whose score and level
 * show on hover. The data arrays (browser/chart-data) are allocated once per chart and refilled on each
 * draw, so redrawing 10 times a second for hours allocates nothing that lives; the shading and the tooltip
 * are in browser/chart-overlays. The `draw` hook tells the page when the canvas holds the new samples,
 * which is the "render time" of sensor-to-screen latency.
 */
import type { AnomalyEvent } from '@sluice/contract'
import uPlot from 'uplot'
import { createChartData } from './chart-data.js'
import { shadeEpisodes, showMarkerTip } from './chart-overlays.js'
import { formatClock } from './format.js'
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
  const data = createChartData(series)
  const { x, y, hi, mean, lo, marks, markEvents } = data
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
      // One row of HH:MM:SS ticks at least 70 px apart, so labels never overlap in a narrow chart.
      axes: [
        { stroke: '#64748b', space: 70, values: (_u, splits) => splits.map(formatClock) },
        { stroke: '#64748b', size: 56 },
      ],
      hooks: {
        drawAxes: [
          (u) => {
            root.dataset.episodes = String(shadeEpisodes(u, series.anomalies, xRange))
          },
        ],
        draw: [
          () => {
            root.dataset.points = String(plot.data[0].length)
            root.dataset.markers = String(markEvents.size)
            onDrawn(series)
          },
        ],
        setCursor: [(u) => showMarkerTip(u, tip, x, markEvents)],
      },
    },
    [x.subarray(0, 0), y.subarray(0, 0), hi, mean, lo, marks],
    root,
  )
  plot.over.append(tip)

  return {
    key: series.key,
    update(xMax, spanMs, windowName) {
      xRange = [xMax - spanMs, xMax]
      const n = data.fill(xMax - spanMs, windowName)
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
