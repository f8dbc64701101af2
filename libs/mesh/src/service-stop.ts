/**
 * @module service-stop
 * A service's graceful shutdown (DESIGN.md §5, issue 11), in data-flow order: stop intake, drain the
 * inbound queues, stop the service and its hooks, drain the outbound queues, publish the last metrics and
 * the retained `offline` status, disconnect. `shutdownTimeoutMs` bounds the whole stop, every step that
 * waits on the broker included: a broker that stopped answering (host frozen, link cut) keeps a socket
 * that looks connected, and a QoS 1 publish or an UNSUBSCRIBE on it would wait for the keepalive (clean
 * session, ~1.5 × keepalive) or for the broker's return (persistent session). What cannot be said by the
 * deadline is left to the last will and the persistent session.
 */
import type { Logger } from 'pino'
import type { CommonConfig } from './config.js'
import type { MetricsPublisher } from './metrics.js'
import type { ServiceImpl, StopReport } from './run-service.js'
import type { ServiceHops } from './service-hops.js'
import type { Transport } from './transport/transport.js'

/**
 * Waits for `step` for at most `ms`: true if it settled in time (its rejection is rethrown), false if
 * not (it goes on in the background, its outcome ignored).
 */
export async function settlesBy(step: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([step.then(() => true as const), late])
  } finally {
    clearTimeout(timer)
    step.catch(() => undefined)
  }
}

/** What a running service stops. */
export interface StoppingService {
  readonly common: CommonConfig
  readonly hops: ServiceHops
  readonly impl: ServiceImpl
  /** Run first, before intake stops (a group member hands its work over). */
  readonly stoppingHooks: readonly (() => Promise<void>)[]
  readonly shutdownHooks: readonly (() => void | Promise<void>)[]
  readonly metrics: MetricsPublisher
  readonly transport: Transport
  /** Publishes the retained `offline` status. */
  publishOffline(): Promise<void>
  readonly log: Logger
}

/** Stops `s` gracefully within its `shutdownTimeoutMs` (see the module note). */
export async function stopGracefully(s: StoppingService): Promise<StopReport> {
  const { common, hops, transport, log } = s
  s.hops.stopping()
  const deadline = Date.now() + common.shutdownTimeoutMs
  const left = (): number => Math.max(0, deadline - Date.now())
  const inTime = <T>(step: Promise<T>): Promise<boolean> => settlesBy(step, left())
  const inbound = [...hops.inbound.values()]
  const outbound = [...hops.outbound.values()]
  // On a persistent session, QoS ≥ 1 hops keep their subscriptions: the broker keeps what arrives
  // while we are down, and delivers it after a restart.
  const hold = common.session === 'persistent'
  await inTime(
    (async () => {
      for (const hook of s.stoppingHooks) await hook()
    })().catch((err: unknown) => log.error({ err }, 'handing work over at stop failed')),
  )
  await inTime(Promise.all(inbound.map((h) => h.stopIntake({ hold }))))
  const inDrained = await Promise.all(inbound.map((h) => h.drain(left())))
  const flushed = await inTime(
    (async () => {
      await s.impl.stop()
      for (const hook of s.shutdownHooks) await hook()
    })().catch((err: unknown) => log.error({ err }, 'service stop failed')),
  )
  const outDrained = await Promise.all(outbound.map((h) => h.drain(left())))
  const drained = flushed && [...inDrained, ...outDrained].every(Boolean)
  s.metrics.stop()
  await inTime(s.metrics.publishNow())
  for (const hop of outbound) hop.close()
  // The retained `offline` status, acknowledged, lets us disconnect cleanly. Otherwise the socket is
  // dropped, and the broker publishes the will, which says the same, whenever it can.
  const offline =
    transport.connected &&
    left() > 0 &&
    (await inTime(s.publishOffline()).catch((err: unknown) => {
      log.warn({ err }, 'could not publish offline status')
      return false
    }))
  if (!drained)
    log.warn(
      { timeoutMs: common.shutdownTimeoutMs },
      'shutdown timed out; the rest is counted as dropped',
    )
  if (!offline)
    log.warn(
      { timeoutMs: common.shutdownTimeoutMs },
      'the broker did not acknowledge the offline status in time; leaving it to the last will',
    )
  const closed = offline && (await inTime(transport.close({ graceful: true, timeoutMs: left() })))
  if (!closed) await transport.close({ graceful: false }).catch(() => undefined)
  log.info({ drained }, 'service stopped')
  return { drained }
}
