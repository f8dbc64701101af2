/**
 * @module hop/hop-spec
 * What a hop declares (DESIGN.md §5): its name, QoS and bounded queue (capacity in samples, policy), and
 * how config overrides it: `hops.<name>.qos`, `hops.<name>.queue.*` and (inbound) `hops.<name>.maxAheadMs`
 * win over what the service declared,
 * so an operator can retune a hop without a rebuild.
 */
import type { QueuePolicy } from '@sluice/stream'
import type { HopConfig } from '../config.js'
import type { Qos } from '../transport/transport.js'

/** A hop's queue: capacity in samples, and what to do when it is full. */
export interface HopQueueSpec {
  readonly capacity: number
  readonly policy: QueuePolicy
}

/** What every hop declares. */
export interface HopSpecBase {
  /** Hop name, unique in its service: the key in config (`hops.<name>`) and in metrics. */
  readonly name: string
  readonly qos: Qos
  readonly queue: HopQueueSpec
}

/**
 * Applies config overrides (`hops.<name>`) to a declared hop.
 *
 * @example
 * ```ts
 * withHopConfig({ name: 'raw', qos: 0, queue: { capacity: 1000, policy: 'drop-oldest' } },
 *   { raw: { queue: { capacity: 5000 } } }) // capacity 5000, the rest as declared
 * ```
 */
export function withHopConfig<S extends HopSpecBase>(
  spec: S,
  hops: Readonly<Record<string, HopConfig>> | undefined,
): S {
  const c = hops?.[spec.name]
  if (c === undefined) return spec
  return {
    ...spec,
    qos: c.qos ?? spec.qos,
    queue: {
      capacity: c.queue?.capacity ?? spec.queue.capacity,
      policy: c.queue?.policy ?? spec.queue.policy,
    },
    // Inbound hops only (`InboundHopSpec.maxAheadMs`); an outbound hop ignores it.
    ...(c.maxAheadMs === undefined ? {} : { maxAheadMs: c.maxAheadMs }),
  }
}
