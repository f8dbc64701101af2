/// <reference lib="dom" />
/**
 * @module browser/group-view
 * The groups table of the pipeline panel (DESIGN.md §12, issue 13): per group a heading row (members,
 * units owned, generation, rebalances, last handover, overlap and lost; settled or settling), then one row per
 * member with the units it owns and its share drawn as a bar, and its own handover counts. Hidden, with
 * its heading, while no service runs as a group. Rows come from {@link groupRows}.
 */
import { formatMs } from './format.js'
import type { GroupMemberRow, GroupRow } from './group-model.js'

function cell(text: string, cls?: string, colSpan?: number): HTMLTableCellElement {
  const td = document.createElement('td')
  td.textContent = text
  if (cls !== undefined) td.className = cls
  if (colSpan !== undefined) td.colSpan = colSpan
  return td
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`

/**
 * The heading row of a group: `windowing: 3 members · 300/300 units owned · generation 4 · 2 rebalances ·
 * last handover 120 ms · overlap 0 · lost 0`, and whether the members agree (settled) or not yet.
 */
function groupHeading(g: GroupRow): HTMLTableRowElement {
  const tr = document.createElement('tr')
  tr.className = 'group'
  tr.dataset.group = `${g.service}/${g.group}`
  tr.dataset.state = g.settled ? 'settled' : 'settling'
  const name = g.group === g.service ? g.group : `${g.service}/${g.group}`
  const text = [
    `${name}: ${plural(g.members.length, 'member')}`,
    `${g.owned}/${plural(g.units, 'unit')} owned`,
    `generation ${g.generation}`,
    plural(g.rebalances, 'rebalance'),
    g.lastHandoverMs === undefined
      ? 'no handover yet'
      : `last handover ${formatMs(g.lastHandoverMs)}`,
    `overlap ${g.overlap}`,
    `lost ${g.lost}`,
  ].join(' · ')
  tr.append(
    cell(text, 'summary', 7),
    cell(g.settled ? 'settled' : 'settling', `badge ${g.settled ? 'ok' : 'warning'}`),
  )
  return tr
}

/** A member's row: instance, weight, units owned with its share as a bar, handovers, overlap, lost. */
function memberRow(g: GroupRow, m: GroupMemberRow): HTMLTableRowElement {
  const tr = document.createElement('tr')
  tr.dataset.member = `${g.service}/${g.group}/${m.instance}`
  const r = m.report
  const owns = cell('', 'fill')
  const bar = document.createElement('div')
  bar.className = 'fillbar'
  const level = document.createElement('div')
  level.className = 'level ok'
  level.style.width = `${Math.min(100, (m.share ?? 0) * 100).toFixed(1)}%`
  bar.append(level)
  owns.append(bar, document.createTextNode(r === undefined ? '–' : `${r.owned}/${r.units}`))
  const h = r?.handovers
  tr.append(
    cell(`  ${m.instance}`),
    cell(m.weight === undefined ? 'not listed' : String(m.weight)),
    owns,
    cell(h === undefined ? '–' : `${h.sent} / ${h.received} / ${h.fresh}`),
    cell(formatMs(r?.lastHandoverMs)),
    cell(r === undefined ? '–' : String(r.overlap)),
    cell(r === undefined ? '–' : String(r.lost)),
    cell(r === undefined ? 'no report' : `gen ${r.generation}`),
  )
  return tr
}

/**
 * Draws `groups` into `tbody`, and shows the table (and the element before it, its heading) only when
 * there is a group.
 */
export function renderGroups(tbody: HTMLTableSectionElement, groups: readonly GroupRow[]): void {
  tbody.replaceChildren(
    ...groups.flatMap((g) => [groupHeading(g), ...g.members.map((m) => memberRow(g, m))]),
  )
  const table = tbody.closest('table')
  if (table === null) return
  table.hidden = groups.length === 0
  const heading = table.previousElementSibling
  if (heading instanceof HTMLElement) heading.hidden = groups.length === 0
}
