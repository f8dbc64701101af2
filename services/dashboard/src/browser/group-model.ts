/**
 * @module browser/group-model
 * Who owns what (DESIGN.md §12, issue 13): the instances of a service that share its sensors as a group
 * each report a `group` section in their metrics (members, units owned, rebalances, handovers, overlap
 * and loss). This gathers those reports per group into the rows the pipeline panel shows: one per member,
 * with its share of the units, and per group whether the members agree (`settled`): the same membership
 * generation, every member listed reporting, and the units owned adding up to the units known. Pure.
 */
import type { GroupMetrics } from '@sluice/contract'
import type { ServiceRow } from '../protocol.js'

/** One member of a group, as the group's reports describe it. */
export interface GroupMemberRow {
  readonly instance: string
  /** Its weight in the assignment, from the member list; undefined when it is not listed there. */
  readonly weight: number | undefined
  /** Its own report, if it sent one (a member listed by others whose metrics have not come yet has none). */
  readonly report: GroupMetrics | undefined
  /** Units it owns / units known to it, 0…1; undefined without a report or units. */
  readonly share: number | undefined
}

/** One group of one service. */
export interface GroupRow {
  readonly service: string
  readonly group: string
  /** The newest membership generation reported. */
  readonly generation: number
  /** Units known to the group (the most any member reports). */
  readonly units: number
  /** Units owned, summed over the members that reported. */
  readonly owned: number
  /** Members, in instance order: those listed in the newest generation, and any other that reports. */
  readonly members: readonly GroupMemberRow[]
  /** The members agree: one generation, all of them reporting, and each unit owned exactly once. */
  readonly settled: boolean
  /** Rebalances: the most any member counted. */
  readonly rebalances: number
  /** The longest of the members' last handovers (ms), if any moved. */
  readonly lastHandoverMs: number | undefined
  /** Samples handled twice or by no one around moves, summed over the members. */
  readonly overlap: number
  readonly lost: number
}

/** The reports of the instances of `services` that belong to a group, by `service/group`. */
function reportsByGroup(services: Iterable<ServiceRow>): Map<string, Map<string, GroupMetrics>> {
  const groups = new Map<string, Map<string, GroupMetrics>>()
  for (const row of services) {
    const g = row.metrics?.group
    if (g === undefined) continue
    const key = `${row.service}/${g.group}`
    const reports = groups.get(key) ?? new Map<string, GroupMetrics>()
    groups.set(key, reports.set(row.instance, g))
  }
  return groups
}

/** Members: the newest generation's member list, and every instance that reports. */
function membersOf(
  reports: ReadonlyMap<string, GroupMetrics>,
  newest: GroupMetrics,
): GroupMemberRow[] {
  const weights = new Map(newest.members.map((m) => [m.instance, m.weight]))
  const ids = new Set([...weights.keys(), ...reports.keys()])
  return [...ids].sort().map((instance) => {
    const report = reports.get(instance)
    return {
      instance,
      weight: weights.get(instance),
      report,
      share: report === undefined || report.units === 0 ? undefined : report.owned / report.units,
    }
  })
}

/** One group's row from its members' reports (at least one). */
function groupRow(service: string, reports: ReadonlyMap<string, GroupMetrics>): GroupRow {
  const all = [...reports.values()]
  const newest = all.reduce((a, b) => (b.generation > a.generation ? b : a))
  const members = membersOf(reports, newest)
  const owned = all.reduce((n, r) => n + r.owned, 0)
  const units = Math.max(...all.map((r) => r.units))
  const handovers = all.flatMap((r) => (r.lastHandoverMs === undefined ? [] : [r.lastHandoverMs]))
  return {
    service,
    group: newest.group,
    generation: newest.generation,
    units,
    owned,
    members,
    settled:
      all.every((r) => r.generation === newest.generation) &&
      members.every((m) => m.report !== undefined && m.weight !== undefined) &&
      owned === units,
    rebalances: Math.max(...all.map((r) => r.rebalances)),
    lastHandoverMs: handovers.length === 0 ? undefined : Math.max(...handovers),
    overlap: all.reduce((n, r) => n + r.overlap, 0),
    lost: all.reduce((n, r) => n + r.lost, 0),
  }
}

/**
 * The groups of `services` (pass the instances that are not offline), in `service/group` order.
 *
 * @example
 * ```ts
 * const [g] = groupRows(services)
 * g.members.map((m) => `${m.instance} ${m.report?.owned}`) // ['w1 150', 'w2 150']
 * ```
 */
export function groupRows(services: Iterable<ServiceRow>): GroupRow[] {
  return [...reportsByGroup(services)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, reports]) => groupRow(key.slice(0, key.indexOf('/')), reports))
}
