/// <reference lib="dom" />
/**
 * @module browser/main
 * The dashboard page: connects to the server's event stream, applies snapshots and frames to the
 * {@link SensorStore}, and draws on animation frames only what changed: the charts of the chosen sensors
 * (each at most once per display frame), the sensor list, the pipeline panel and the rate control (twice
 * a second). It also measures sensor-to-screen latency (each sample's `ingest` against the moment its chart
 * finished drawing it) and exposes figures on `window.sluice` for tests and benchmarks.
 */
import 'uplot/dist/uPlot.min.css'
import './styles.css'
import { createSensorChart, type SensorChart } from './chart.js'
import { connect, type ConnectionState } from './connection.js'
import { formatClock, formatMs, formatRate } from './format.js'
import { LatencyRecorder } from './latency-recorder.js'
import { createPipelineView } from './pipeline-view.js'
import { createRateControl } from './rate-control.js'
import { createSensorList } from './sensor-list.js'
import { SensorStore, type SensorSeries } from './sensor-store.js'
import { chooseWindow, sameNames } from './window-select.js'
import { epochMs } from '@sluice/contract'

const MAX_CHARTS = 12
const AUTO_SELECT = 4
const CHART_HEIGHT = 170

function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const e = document.getElementById(id)
  if (!(e instanceof type)) throw new Error(`the page has no ${type.name} #${id}`)
  return e
}

const clock = epochMs

const store = new SensorStore({ ringCapacity: 4096 })
const selected = new Set<string>()
const charts = new Map<string, SensorChart>()
const drawnVersion = new Map<string, number>()
const renderLatency = new LatencyRecorder()
const arrivalLatency = new LatencyRecorder()
let autoSelect = true
let spanMs = 60_000
let windowName: string | undefined
let frames = 0
let paused = false
let lastSlowRender = 0

const chartsEl = byId('charts', HTMLElement)
const connEl = byId('conn', HTMLElement)
const statsEl = byId('stats', HTMLElement)
const spanEl = byId('span', HTMLSelectElement)
const windowEl = byId('window', HTMLSelectElement)
const anomaliesEl = byId('anomalies', HTMLOListElement)
const pauseEl = byId('pause', HTMLButtonElement)

function chartWidth(): number {
  return Math.max(300, chartsEl.clientWidth - 24)
}

function onDrawn(series: SensorSeries): void {
  const now = clock()
  for (const ingest of series.undrawn) renderLatency.record(ingest, now)
  series.undrawn.length = 0
}

function toggle(key: string, on: boolean): void {
  autoSelect = false
  if (on && selected.size < MAX_CHARTS) selected.add(key)
  else selected.delete(key)
  syncCharts()
}

function syncCharts(): void {
  for (const [key, chart] of charts) {
    if (!selected.has(key)) {
      chart.destroy()
      charts.delete(key)
      drawnVersion.delete(key)
    }
  }
  for (const key of [...selected].sort()) {
    const series = store.sensors.get(key)
    if (series === undefined || charts.has(key)) continue
    charts.set(
      key,
      createSensorChart({
        series,
        container: chartsEl,
        width: chartWidth(),
        height: CHART_HEIGHT,
        onDrawn,
      }),
    )
  }
  // Keep the charts in key order.
  for (const key of [...charts.keys()].sort()) {
    const node = chartsEl.querySelector(`.chart[data-sensor="${CSS.escape(key)}"]`)
    if (node !== null) chartsEl.append(node)
  }
}

function autoSelectSensors(): void {
  if (!autoSelect) return
  for (const key of store.keys()) {
    if (selected.size >= AUTO_SELECT) break
    selected.add(key)
  }
  syncCharts()
}

function syncWindowNames(): void {
  const names = store.windowNames
  const shown = Array.from(windowEl.options, (o) => o.value)
  if (!sameNames(shown, names)) {
    windowEl.replaceChildren(
      ...names.map((n) => {
        const o = document.createElement('option')
        o.value = o.textContent = n
        return o
      }),
    )
  }
  windowName = chooseWindow(names, windowName)
  if (windowName !== undefined) windowEl.value = windowName
}

let anomaliesShown = ''
function renderAnomalies(): void {
  const recent = store.recentAnomalies.slice(-20).reverse()
  const sig = recent.map((a) => `${a.key}:${a.ev.seq}`).join(',')
  if (sig === anomaliesShown) return
  anomaliesShown = sig
  anomaliesEl.replaceChildren(
    ...recent.map(({ key, ev }) => {
      const li = document.createElement('li')
      li.dataset.sensor = key
      li.dataset.level = ev.level
      li.textContent = `${formatClock(ev.t)} ${key} ${ev.kind} ${ev.level} score ${ev.score.toFixed(2)}`
      return li
    }),
  )
}

const list = createSensorList({
  tbody: byId('sensor-rows', HTMLTableSectionElement),
  store,
  selected,
  onToggle: toggle,
})
const pipeline = createPipelineView({
  services: byId('service-rows', HTMLTableSectionElement),
  hops: byId('hop-rows', HTMLTableSectionElement),
  groups: byId('group-rows', HTMLTableSectionElement),
  store,
})
const rate = createRateControl({
  device: byId('rate-device', HTMLSelectElement),
  hz: byId('rate-hz', HTMLInputElement),
  apply: byId('rate-apply', HTMLButtonElement),
  result: byId('rate-result', HTMLElement),
  store,
})

function setState(state: ConnectionState): void {
  connEl.textContent = state
  connEl.dataset.state = state
}

connect('events', {
  onSnapshot(snap) {
    store.applySnapshot(snap)
    for (const chart of charts.values()) chart.destroy()
    charts.clear()
    drawnVersion.clear()
    syncWindowNames()
    autoSelectSensors()
    syncCharts()
  },
  onFrame(frame, at) {
    frames++
    // The baseline for screen latency: the same samples (those of charted sensors), on arrival.
    for (const [key, cols] of Object.entries(frame.raw)) {
      if (charts.has(key)) for (const i of cols.i) arrivalLatency.record(i, at)
    }
    const layout = store.layoutVersion
    store.applyFrame(frame)
    if (layout !== store.layoutVersion) {
      syncWindowNames()
      autoSelectSensors()
      syncCharts()
    }
  },
  onState: setState,
})

spanEl.addEventListener('change', () => {
  spanMs = Number(spanEl.value)
  drawnVersion.clear()
})
windowEl.addEventListener('change', () => {
  windowName = windowEl.value
  drawnVersion.clear()
})
pauseEl.addEventListener('click', () => {
  // Freezes the charts (data keeps arriving into the rings) so a marker can be inspected.
  paused = !paused
  pauseEl.textContent = paused ? 'Resume' : 'Pause'
  pauseEl.dataset.paused = String(paused)
  drawnVersion.clear()
})
window.addEventListener('resize', () => {
  for (const c of charts.values()) c.resize(chartWidth())
})

function drawCharts(): void {
  if (paused) {
    // Nothing is drawn, so nothing is measured: the latency figures stay those of live drawing.
    for (const s of store.sensors.values()) s.undrawn.length = 0
    return
  }
  for (const [key, chart] of charts) {
    const s = store.sensors.get(key)
    if (s === undefined || drawnVersion.get(key) === s.version) continue
    drawnVersion.set(key, s.version)
    chart.update(s.samples.lastT, spanMs, windowName)
  }
  // Sensors not charted have nothing to measure: forget their pending ingest times.
  for (const s of store.sensors.values()) if (!charts.has(s.key)) s.undrawn.length = 0
}

function slowRender(now: number): void {
  list.render(now)
  pipeline.render(now)
  rate.render()
  renderAnomalies()
  const r = renderLatency.summary()
  statsEl.textContent =
    `${store.sensors.size} sensors · ${formatRate(store.received)} samples · ` +
    `screen latency p50 ${formatMs(r.p50)} p99 ${formatMs(r.p99)}`
}

function tick(): void {
  requestAnimationFrame(tick)
  drawCharts()
  const now = Date.now()
  if (now - lastSlowRender >= 500) {
    lastSlowRender = now
    slowRender(now)
  }
}
requestAnimationFrame(tick)

/** Figures for tests and benchmarks (read through the DevTools protocol or Playwright). */
const debug = {
  stats: () => ({
    sensors: store.sensors.size,
    received: store.received,
    decimated: store.decimated,
    frames,
    charts: [...charts.keys()],
  }),
  latency: () => ({ render: renderLatency.summary(), arrival: arrivalLatency.summary() }),
  resetLatency: () => {
    renderLatency.reset()
    arrivalLatency.reset()
  },
  markers: (key: string) => charts.get(key)?.markers() ?? [],
  select: (keys: string[]) => {
    autoSelect = false
    selected.clear()
    for (const k of keys.slice(0, MAX_CHARTS)) selected.add(k)
    syncCharts()
  },
}
;(window as unknown as { sluice: typeof debug }).sluice = debug
