/// <reference lib="dom" />
/**
 * @module browser/pipeline-view
 * The pipeline panel: every service instance online or offline, and per hop λ, μ, ρ, queue fill drawn
 * against the 80 % and 95 % marks, drop rate by reason, p99 latency and unexplained loss, with the hop
 * where backpressure sits highlighted (see {@link hopRows}); and, for services that run as a group, who
 * owns what (see {@link groupRows}). Redrawn at most twice a second.
 */
import type { ServiceMetrics } from '@sluice/contract'
import { formatClock, formatMs, formatRate } from './format.js'
import { groupRows } from './group-model.js'
import { renderGroups } from './group-view.js'
import { FILL_CRITICAL, FILL_WARNING, hopRows, liveness } from './pipeline-model.js'
import type { SensorStore } from './sensor-store.js'

/** The pipeline view. */
export interface PipelineView {
  render(now: number): void
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  if (text !== undefined) e.textContent = text
  if (cls !== undefined) e.className = cls
  return e
}

/** Creates the view over the `services`, `hops` and (if given) `groups` table bodies. */
export function createPipelineView(o: {
  readonly services: HTMLTableSectionElement
  readonly hops: HTMLTableSectionElement
  readonly groups?: HTMLTableSectionElement
  readonly store: SensorStore
}): PipelineView {
  // The metrics before the current ones, per instance: drop counters are cumulative, rates need two.
  const previous = new Map<string, ServiceMetrics>()
  const current = new Map<string, ServiceMetrics>()

  return {
    render(now) {
      const rows = [...o.store.services.values()].sort((a, b) =>
        `${a.service}/${a.instance}`.localeCompare(`${b.service}/${b.instance}`),
      )
      for (const r of rows) {
        const id = `${r.service}/${r.instance}`
        const m = r.metrics
        const cur = current.get(id)
        if (m !== undefined && cur?.t !== m.t) {
          if (cur !== undefined) previous.set(id, cur)
          current.set(id, m)
        }
      }
      o.services.replaceChildren(
        ...rows.map((r) => {
          const tr = el('tr')
          tr.dataset.service = `${r.service}/${r.instance}`
          const live = liveness(r, now)
          tr.dataset.state = live
          tr.append(
            el('td', r.service),
            el('td', r.instance),
            el('td', live, `badge ${live}`),
            el('td', r.status?.host ?? '–'),
            el('td', r.status?.version ?? '–'),
            el('td', r.status === undefined ? '–' : formatClock(r.status.since)),
          )
          return tr
        }),
      )
      const live = rows.filter((r) => liveness(r, now) !== 'offline')
      if (o.groups !== undefined) renderGroups(o.groups, groupRows(live))
      const hops = hopRows(live, previous)
      o.hops.replaceChildren(
        ...hops.map((h) => {
          const tr = el('tr')
          tr.dataset.hop = `${h.service}/${h.instance}/${h.hop}`
          tr.dataset.state = h.state
          if (h.bottleneck) tr.classList.add('bottleneck')
          const fill = el('td', undefined, 'fill')
          const bar = el('div', undefined, 'fillbar')
          const level = el(
            'div',
            undefined,
            `level ${h.fill >= FILL_CRITICAL ? 'critical' : h.fill >= FILL_WARNING ? 'warning' : 'ok'}`,
          )
          level.style.width = `${Math.min(100, h.fill * 100).toFixed(1)}%`
          bar.append(level, el('div', undefined, 'mark m80'), el('div', undefined, 'mark m95'))
          bar.title = `${h.queueLength} / ${h.queueCapacity} samples`
          fill.append(bar, el('span', `${(h.fill * 100).toFixed(0)}%`))
          const drops = Object.entries(h.dropRates)
            .filter(([, v]) => v > 0)
            .map(([k, v]) => `${k} ${formatRate(v)}/s`)
          tr.append(
            el('td', `${h.service}/${h.instance} ${h.direction === 'in' ? '→' : '←'} ${h.hop}`),
            el('td', formatRate(h.lambda)),
            el('td', formatRate(h.mu)),
            el('td', h.rho === undefined ? '–' : h.rho.toFixed(2)),
            fill,
            el(
              'td',
              drops.length === 0
                ? h.dropsTotal > 0
                  ? `0/s (${h.dropsTotal})`
                  : '0'
                : drops.join(', '),
            ),
            el('td', formatMs(h.p99)),
            el('td', h.unexplainedLoss === undefined ? '–' : String(h.unexplainedLoss)),
            el('td', h.bottleneck ? `${h.state} ◀ backpressure` : h.state, `badge ${h.state}`),
          )
          return tr
        }),
      )
    },
  }
}
