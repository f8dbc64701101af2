/**
 * @module browser/chart-data
 * The data arrays of one sensor's chart (see browser/chart): the raw samples of the span shown, the
 * window mean with its ±std band step-held under them, and the anomaly markers at the samples nearest
 * their events. Allocated once per chart and refilled on each draw, so redrawing for hours allocates
 * nothing that lives. Pure (no DOM).
 */
import type { AnomalyEvent } from '@sluice/contract'
import { isMarked } from './episode-regions.js'
import type { SensorSeries } from './sensor-store.js'

/** The refillable data of one chart; uPlot's columns are x, y (raw), hi, mean, lo and marks. */
export interface ChartData {
  readonly x: Float64Array
  readonly y: Float64Array
  readonly hi: (number | null)[]
  readonly mean: (number | null)[]
  readonly lo: (number | null)[]
  readonly marks: (number | null)[]
  /** Which anomaly sits at each marked index, for the hover tooltip. */
  readonly markEvents: Map<number, AnomalyEvent>
  /** Refills everything for the span from `from` on; returns the number of points. */
  fill(from: number, windowName: string | undefined): number
}

/** Creates the data arrays of the chart of `series`. */
export function createChartData(series: SensorSeries): ChartData {
  const cap = series.samples.capacity
  const x = new Float64Array(cap)
  const y = new Float64Array(cap)
  const hi: (number | null)[] = []
  const mean: (number | null)[] = []
  const lo: (number | null)[] = []
  const marks: (number | null)[] = []
  const markEvents = new Map<number, AnomalyEvent>()

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
    x,
    y,
    hi,
    mean,
    lo,
    marks,
    markEvents,
    fill(from, windowName) {
      const n = series.samples.copySince(from, x, y)
      fillBand(n, windowName)
      fillMarks(n)
      return n
    },
  }
}
