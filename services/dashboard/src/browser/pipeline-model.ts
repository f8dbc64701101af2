/**
 * @module browser/pipeline-model
 * Turns services' status and hop metrics (DESIGN.md §6) into the rows the pipeline view shows: per hop λ,
 * μ, ρ, queue fill against the 80 % / 95 % thresholds, drop rate by reason (from the difference between two
 * metrics messages, since the counters are cumulative), p99 latency and unexplained loss; and which hop is
 * where backpressure sits now: the fullest queue, or failing that the highest utilisation near 1. Pure.
 */
import type { HopMetrics, ServiceMetrics } from '@sluice/contract'
import type { ServiceRow } from '../protocol.js'

/** Queue fill at which a hop turns `warning` and `critical` (DESIGN.md §6). */
export const FILL_WARNING = 0.8
export const FILL_CRITICAL = 0.95

/** Liveness shown for an instance. */
export type Liveness = 'online' | 'offline' | 'silent' | 'unknown'

/** One hop, ready to show. */
export interface HopRow {
  readonly service: string
  readonly instance: string
  readonly hop: string
  readonly direction: 'in' | 'out'
  readonly topic: string
  readonly lambda: number | undefined
  readonly mu: number | undefined
  readonly rho: number | undefined
  /** Queue length / capacity, 0…1. */
  readonly fill: number
  readonly queueLength: number
  readonly queueCapacity: number
  /** Drops per second by reason over the last interval. */
  readonly dropRates: Readonly<Record<string, number>>
  readonly dropsTotal: number
  readonly p99: number | undefined
  readonly unexplainedLoss: number | undefined
  readonly state: HopMetrics['state']
  /** True for the hop where backpressure sits. */
  bottleneck: boolean
}

/**
 * An instance's liveness: its retained status, or `silent` when it says online but sent no metrics for
 * `silentAfterMs` (a frozen process whose TCP connection the broker has not yet given up on).
 */
export function liveness(row: ServiceRow, now: number, silentAfterMs = 5000): Liveness {
  const state = row.status?.state
  if (state === 'offline') return 'offline'
  if (state === undefined) return row.metrics === undefined ? 'unknown' : 'online'
  if (row.metrics !== undefined && now - row.metrics.t > silentAfterMs) return 'silent'
  return 'online'
}

function sum(dropped: Readonly<Record<string, number>>): number {
  let n = 0
  for (const v of Object.values(dropped)) n += v
  return n
}

/**
 * The hop rows of every instance, with drop rates from `previous` (the metrics before the current ones,
 * per `service/instance`), and the bottleneck marked.
 *
 * @example
 * ```ts
 * const rows = hopRows(services, previousMetrics)
 * rows.find((r) => r.bottleneck)?.hop // 'raw'
 * ```
 */
export function hopRows(
  services: Iterable<ServiceRow>,
  previous: ReadonlyMap<string, ServiceMetrics>,
): HopRow[] {
  const rows: HopRow[] = []
  for (const svc of services) {
    const m = svc.metrics
    if (m === undefined) continue
    const before = previous.get(`${svc.service}/${svc.instance}`)
    const dt = before === undefined ? 0 : (m.t - before.t) / 1000
    for (const [name, h] of Object.entries(m.hops)) {
      const prevHop = before?.hops[name]
      const dropRates: Record<string, number> = {}
      for (const [reason, count] of Object.entries(h.dropped)) {
        const was = prevHop?.dropped[reason] ?? 0
        dropRates[reason] = dt > 0 ? Math.max(0, count - was) / dt : 0
      }
      rows.push({
        service: svc.service,
        instance: svc.instance,
        hop: name,
        direction: h.direction,
        topic: h.topic ?? '',
        lambda: h.lambda,
        mu: h.mu,
        rho: h.rho,
        fill: h.queue.capacity > 0 ? h.queue.length / h.queue.capacity : 0,
        queueLength: h.queue.length,
        queueCapacity: h.queue.capacity,
        dropRates,
        dropsTotal: sum(h.dropped),
        p99: h.latency?.p99,
        unexplainedLoss: h.unexplainedLoss,
        state: h.state,
        bottleneck: false,
      })
    }
  }
  markBottleneck(rows)
  return rows
}

function markBottleneck(rows: HopRow[]): void {
  // Backpressure shows as a filling queue. ρ alone does not locate it: a hop's μ is the rate it actually
  // served, so a healthy outbound hop that sends everything at once reads ρ ≈ 1 with an empty queue.
  let best: HopRow | undefined
  for (const r of rows) {
    if (r.fill <= 0.5 && r.state === 'ok') continue
    if (best === undefined || r.fill > best.fill) best = r
  }
  if (best !== undefined) best.bottleneck = true
}
