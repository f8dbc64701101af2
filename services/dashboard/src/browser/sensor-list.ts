/// <reference lib="dom" />
/**
 * @module browser/sensor-list
 * The sensor list: every sensor with its last value, its device's measured sampling rate, and its state
 * (`ok`, `learning` while its detector is, `anomaly` when an event came in the last 10 s, `stale` when
 * nothing arrived for 5 s: `browser/sensor-state`), and a
 * checkbox choosing whether it is charted. Rows are made once per sensor and only their text changes.
 */
import { formatRate, formatValue } from './format.js'
import { learningSensors, sensorState } from './sensor-state.js'
import type { SensorStore } from './sensor-store.js'

/** Options of {@link createSensorList}. */
export interface SensorListOptions {
  readonly tbody: HTMLTableSectionElement
  readonly store: SensorStore
  readonly selected: ReadonlySet<string>
  onToggle(key: string, on: boolean): void
}

/** The sensor list view. */
export interface SensorList {
  /** Updates every row; `now` is the page's clock (ms since the epoch). */
  render(now: number): void
}

interface Row {
  readonly tr: HTMLTableRowElement
  readonly box: HTMLInputElement
  readonly last: HTMLTableCellElement
  readonly rate: HTMLTableCellElement
  readonly state: HTMLTableCellElement
}

/** Creates the list in `tbody`. */
export function createSensorList(o: SensorListOptions): SensorList {
  const rows = new Map<string, Row>()
  let layout = -1
  let servicesSeen = -1
  let learning = new Set<string>()

  function rowFor(key: string): Row {
    let r = rows.get(key)
    if (r !== undefined) return r
    const tr = document.createElement('tr')
    tr.dataset.sensor = key
    const cell = (cls: string): HTMLTableCellElement => {
      const td = document.createElement('td')
      td.className = cls
      tr.append(td)
      return td
    }
    const box = document.createElement('input')
    box.type = 'checkbox'
    box.addEventListener('change', () => o.onToggle(key, box.checked))
    cell('pick').append(box)
    cell('key').textContent = key
    r = { tr, box, last: cell('last'), rate: cell('rate'), state: cell('state') }
    rows.set(key, r)
    return r
  }

  return {
    render(now) {
      if (layout !== o.store.layoutVersion) {
        layout = o.store.layoutVersion
        // Re-append in sorted order; existing rows move, nothing is rebuilt.
        for (const key of o.store.keys()) o.tbody.append(rowFor(key).tr)
      }
      if (servicesSeen !== o.store.servicesVersion) {
        servicesSeen = o.store.servicesVersion
        learning = learningSensors(o.store.services.values())
      }
      for (const [key, s] of o.store.sensors) {
        const r = rowFor(key)
        r.box.checked = o.selected.has(key)
        const ring = s.samples
        r.last.textContent = formatValue(ring.lastValue)
        r.rate.textContent = `${formatRate(ring.rate(5000))} Hz`
        const state = sensorState(s, learning, now)
        if (r.state.textContent !== state) {
          r.state.textContent = state
          r.tr.dataset.state = state
        }
      }
    },
  }
}
