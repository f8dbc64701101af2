/**
 * @module service-hops
 * The hops one service declares (DESIGN.md §5): each is made with the config's overrides
 * (`hops.<name>.*`), named once, and kept for the router, the metrics and the shutdown. Inbound hops made
 * before the service has started are paused, so a persistent session's backlog, which arrives right after
 * CONNACK, waits in their queues until the service has started.
 */
import type { Logger } from 'pino'
import type { CommonConfig } from './config.js'
import { MeshHopError } from './errors.js'
import { createInboundHop, type InboundHop, type InboundHopSpec } from './hop/inbound-hop.js'
import { withHopConfig } from './hop/hop-spec.js'
import { createOutboundHop, type OutboundHop, type OutboundHopSpec } from './hop/outbound-hop.js'
import type { Transport } from './transport/transport.js'

/** The hops of one service. */
export interface ServiceHops {
  readonly inbound: ReadonlyMap<string, InboundHop<never>>
  readonly outbound: ReadonlyMap<string, OutboundHop>
  /** Declares an inbound hop; it subscribes at {@link ServiceHops.start}, or at once after it. */
  addInbound<T>(spec: InboundHopSpec<T>): InboundHop<T>
  addOutbound(spec: OutboundHopSpec): OutboundHop
  /** Resumes the inbound hops and subscribes them, once the service has started. */
  start(): Promise<void>
  /** Refuses new hops from now on. */
  stopping(): void
}

/** Creates the hop registry of the service `service`. */
export function createServiceHops(
  service: string,
  common: CommonConfig,
  transport: Transport,
  log: Logger,
): ServiceHops {
  const inbound = new Map<string, InboundHop<never>>()
  const outbound = new Map<string, OutboundHop>()
  let started = false
  let stopping = false

  const ensureNewHop = (name: string): void => {
    if (inbound.has(name) || outbound.has(name)) {
      throw new MeshHopError(
        `Hop ${name} is declared twice in service ${service}; hop names must be unique.`,
      )
    }
    if (stopping)
      throw new MeshHopError(`Service ${service} is stopping: hop ${name} cannot be added.`)
  }

  return {
    inbound,
    outbound,
    addInbound<T>(spec: InboundHopSpec<T>): InboundHop<T> {
      ensureNewHop(spec.name)
      const ackOverride = common.hops[spec.name]?.ack
      const rateOverride = common.hops[spec.name]?.serviceRate
      const hop = createInboundHop(
        withHopConfig(
          {
            ...spec,
            ...(ackOverride === undefined ? {} : { ack: ackOverride }),
            ...(rateOverride === undefined ? {} : { serviceRate: rateOverride }),
          },
          common.hops,
        ),
        {
          transport,
          prefix: common.prefix,
          log: log.child({ hop: spec.name }),
          paused: !started,
          // At least once across a crash where the broker keeps what we have not acknowledged.
          defaultAck: common.session === 'persistent' ? 'handled' : 'enqueue',
        },
      )
      inbound.set(spec.name, hop as unknown as InboundHop<never>)
      if (started) {
        hop
          .start()
          .catch((err: unknown) => log.error({ err, hop: spec.name }, 'hop could not subscribe'))
      }
      return hop
    },
    addOutbound(spec) {
      ensureNewHop(spec.name)
      const hop = createOutboundHop(withHopConfig(spec, common.hops), {
        transport,
        log: log.child({ hop: spec.name }),
      })
      outbound.set(spec.name, hop)
      return hop
    },
    async start() {
      started = true
      for (const hop of inbound.values()) if (hop.spec.resumeByOwner !== true) hop.resume()
      for (const hop of inbound.values()) await hop.start()
    },
    stopping() {
      stopping = true
    },
  }
}
