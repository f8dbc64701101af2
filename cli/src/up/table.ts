/**
 * @module up/table
 * The live terminal table `sluice up` redraws every second: one row per service hop with its rates, queue
 * fill, drops, p99 latency and state, from the metrics and status messages the services publish
 * (DESIGN.md §6). Under the serial bridge's `device` hop, one more line says how backpressure reaches the
 * device (§5): the rate asked of it against its target, what pushes back, and the drops at the edge.
 * Under each instance of a group (§12, issue 13), one more line says what it owns and what moving cost.
 * Pure: it turns the latest messages into lines of text, so it is tested without a terminal.
 */
import type { GroupMetrics, HopMetrics, ServiceMetrics, ServiceStatus } from '@sluice/contract'

/** What `sluice up` knows of one service instance. */
export interface InstanceView {
  readonly service: string
  readonly instance: string
  readonly status?: ServiceStatus
  readonly metrics?: ServiceMetrics
  /** When the last metrics message arrived (ms since the epoch). */
  readonly metricsAt?: number
}

const COLUMNS = [
  ['service', 12],
  ['hop', 14],
  ['dir', 3],
  ['policy', 11],
  ['λ/s', 9],
  ['μ/s', 9],
  ['ρ', 5],
  ['queue', 13],
  ['dropped', 9],
  ['rej', 6],
  ['gaps', 6],
  ['p99 ms', 8],
  ['state', 8],
] as const

const pad = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n))

/** 12 345.6 → "12.3k"; keeps the table narrow. */
export function compact(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-'
  const a = Math.abs(v)
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`
  if (a >= 100) return v.toFixed(0)
  return v.toFixed(a >= 10 ? 1 : 2)
}

/** A counter (samples, drops, gaps): a whole number, so 0 is "0" and 7 is "7", compact from 10 000 up. */
export function count(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-'
  return Math.abs(v) >= 1e4 ? compact(v) : String(Math.round(v))
}

function hopRow(service: string, name: string, h: HopMetrics, stale: boolean): string {
  const dropped = Object.values(h.dropped).reduce((a, b) => a + b, 0)
  const fill = h.queue.capacity > 0 ? Math.round((100 * h.queue.length) / h.queue.capacity) : 0
  const cells = [
    service,
    name,
    h.direction,
    h.policy,
    compact(h.lambda),
    compact(h.mu),
    h.rho === undefined ? '-' : h.rho.toFixed(2),
    `${count(h.queue.length)}/${count(h.queue.capacity)} ${fill}%`,
    count(dropped),
    count(h.rejected),
    count(h.gaps),
    h.latency ? compact(h.latency.p99) : '-',
    stale ? 'stale' : h.state,
  ]
  return cells.map((c, i) => pad(c, COLUMNS[i]![1])).join(' ')
}

const hz = (v: number | undefined): string =>
  v === undefined ? '?' : `${Number.isInteger(v) ? String(v) : compact(v)} Hz`

/** The line under a `device` hop: `arduino throttled 10 Hz of 40 Hz (acked 10 Hz) by downstream …`. */
export function deviceLine(h: HopMetrics): string | undefined {
  const d = h.device
  if (d === undefined) return undefined
  const parts = [`↳ ${d.id} ${d.mode}`, `${hz(d.appliedHz)} of ${hz(d.targetHz)}`]
  if (d.ackedHz !== undefined) parts.push(`(acked ${hz(d.ackedHz)})`)
  if (d.pressure !== 'none') parts.push(`pressure: ${d.pressure}`)
  if (d.edgeDropped > 0) parts.push(`${count(d.edgeDropped)} dropped at the edge`)
  return `${' '.repeat(COLUMNS[0][1] + 1)}${parts.join(' ')}`
}

/**
 * The line under the anomaly service's `detectors` entry: `↳ 6 sensors: 2 learning, 3 ok, 1 anomalous; 1
 * device: 1 learning`, so a detector that is silent because it is still learning never reads as "ok".
 */
export function detectorLine(h: HopMetrics): string | undefined {
  const d = h.detectors
  if (d === undefined) return undefined
  const parts = [
    `↳ ${d.sensors} sensors: ${d.learning} learning, ${d.normal} ok, ${d.anomalous} anomalous`,
  ]
  if (d.devices > 0) {
    const ok = d.devices - d.devicesLearning - d.devicesAnomalous
    parts.push(
      `${d.devices} devices: ${d.devicesLearning} learning, ${ok} ok, ${d.devicesAnomalous} anomalous`,
    )
  }
  return `${' '.repeat(COLUMNS[0][1] + 1)}${parts.join('; ')}`
}

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${count(n)} ${n === 1 ? one : many}`

/**
 * The line under an instance that belongs to a group: `↳ group windowing: 3 members, owns 100/300 units,
 * 2 rebalances, last handover 120 ms, overlap 0, lost 0`, so an uneven split or a costly move shows.
 */
export function groupLine(g: GroupMetrics | undefined): string | undefined {
  if (g === undefined) return undefined
  const parts = [
    `↳ group ${g.group}: ${plural(g.members.length, 'member')}`,
    `owns ${count(g.owned)}/${plural(g.units, 'unit')}`,
    plural(g.rebalances, 'rebalance'),
  ]
  if (g.lastHandoverMs !== undefined) parts.push(`last handover ${compact(g.lastHandoverMs)} ms`)
  parts.push(`overlap ${count(g.overlap)}`, `lost ${count(g.lost)}`)
  return `${' '.repeat(COLUMNS[0][1] + 1)}${parts.join(', ')}`
}

/**
 * Renders the table. An instance whose status is offline, or whose metrics are older than `staleMs`, is
 * shown as such, so a stopped service never looks healthy.
 *
 * @example
 * renderTable([{ service: 'windowing', instance: 'pi-1', metrics }], Date.now()).join('\n')
 */
export function renderTable(views: readonly InstanceView[], now: number, staleMs = 3000): string[] {
  const header = COLUMNS.map(([h, n]) => pad(h, n)).join(' ')
  const lines = [header, '─'.repeat(header.length)]
  const sorted = [...views].sort((a, b) =>
    a.service === b.service
      ? a.instance.localeCompare(b.instance)
      : a.service.localeCompare(b.service),
  )
  for (const v of sorted) {
    const label =
      sorted.filter((o) => o.service === v.service).length > 1
        ? `${v.service}/${v.instance}`
        : v.service
    if (v.status?.state === 'offline') {
      lines.push(`${pad(label, COLUMNS[0][1])} ${pad('offline', 14)}`)
      continue
    }
    const m = v.metrics
    const hops = m ? Object.entries(m.hops) : []
    if (hops.length === 0) {
      lines.push(`${pad(label, COLUMNS[0][1])} ${pad(v.status?.state ?? 'starting', 14)}`)
      continue
    }
    const stale = v.metricsAt === undefined || now - v.metricsAt > staleMs
    for (const [name, h] of hops) {
      lines.push(hopRow(label, name, h, stale))
      const extra = deviceLine(h) ?? detectorLine(h)
      if (extra !== undefined) lines.push(extra)
    }
    const group = groupLine(m?.group)
    if (group !== undefined) lines.push(group)
  }
  return lines
}
