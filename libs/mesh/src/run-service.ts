/**
 * @module run-service
 * The service runtime (DESIGN.md §2, §5, §6): reads and freezes config, makes pino loggers with
 * `base: { svc, version, instance }`, connects with a retained `online` status and an `offline` last will,
 * gives the service its hops, publishes metrics every interval, and shuts down gracefully: stop intake,
 * drain the queues (with a timeout), stop the service, publish `offline`, disconnect.
 *
 * `runService` is what a service's `main.ts` calls; it handles SIGINT/SIGTERM and the exit code (2 on a
 * refused config). `startService` is the same without process signals or `process.exit`, for tests and
 * in-process use such as `sluice up`.
 */
import { hostname } from 'node:os'
import type { TObject } from '@sinclair/typebox'
import { encodeText, statusTopic, type ServiceMetrics, type ServiceStatus } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import { pino, type Logger } from 'pino'
import { loadConfig, type ServiceConfig } from './config.js'
import { MeshHopError } from './errors.js'
import { createInboundHop, type InboundHop, type InboundHopSpec } from './hop/inbound-hop.js'
import { withHopConfig } from './hop/hop-spec.js'
import { createOutboundHop, type OutboundHop, type OutboundHopSpec } from './hop/outbound-hop.js'
import { createMetricsPublisher, type MetricsPublisher, type MetricsSource } from './metrics.js'
import { startPrometheusExporter } from './prometheus.js'
import { describeStartFailure, markConfigRefusal } from './start-failure.js'
import { createMqttTransport } from './transport/mqtt.js'
import type { AckOutcome, Transport, TransportMessage } from './transport/transport.js'

/** What `create` returns: the service's own start and stop. */
export interface ServiceImpl {
  start(): Promise<void>
  /** Flush what the service holds (open windows, batches); hops are drained around it. */
  stop(): Promise<void>
}

/** What a service gets from the runtime. */
export interface ServiceContext<S extends TObject> {
  readonly name: string
  readonly version: string
  /** Validated, frozen config: the service's own fields and the common ones. */
  readonly config: ServiceConfig<S>
  /** pino logger with `base: { svc, version, instance }`; make child loggers per component. */
  readonly log: Logger
  /** The connection: not yet connected while `create` runs, connected before `start`. */
  readonly transport: Transport
  readonly prefix: string
  readonly group: string
  readonly instance: string
  /**
   * Declares an inbound hop (config `hops.<name>` overrides its qos and queue). Its handler runs once the
   * service has started; it subscribes right after.
   */
  inbound<T = Sample>(spec: InboundHopSpec<T>): InboundHop<T>
  /** Declares an outbound hop (config `hops.<name>` overrides its qos and queue). */
  outbound(spec: OutboundHopSpec): OutboundHop
  /** Runs `fn` at shutdown, after the service's `stop` and before disconnecting. */
  onShutdown(fn: () => void | Promise<void>): void
  /** Adds a hop the service runs itself (e.g. a forwarder sink) to the published metrics. */
  addMetricsSource(source: MetricsSource): void
}

/** A service, as its `main.ts` declares it. */
export interface ServiceDefinition<S extends TObject> {
  readonly name: string
  readonly version?: string
  readonly configSchema: S
  create(ctx: ServiceContext<S>): ServiceImpl | Promise<ServiceImpl>
}

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** CLI arguments. Default none. */
  readonly argv?: readonly string[]
  /** Environment. Default none (`runService` passes `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Config values applied over everything else. */
  readonly overrides?: Record<string, unknown>
  /** A logger to use instead of a new pino logger on stdout. */
  readonly logger?: Logger
  /** A transport to use instead of MQTT (e.g. a fake in tests); it must not be connected yet. */
  readonly transport?: Transport
}

/** How a shutdown went. */
export interface StopReport {
  /** True when every queue drained within the timeout. */
  readonly drained: boolean
}

/** A running service. */
export interface ServiceHandle<S extends TObject> {
  readonly context: ServiceContext<S>
  readonly config: ServiceConfig<S>
  readonly metrics: MetricsPublisher
  /** Graceful shutdown: stop intake, drain, stop the service, publish offline, disconnect. */
  stop(): Promise<StopReport>
  /** Simulates a crash: drops the connection without DISCONNECT, so the broker publishes the will. */
  kill(): Promise<void>
}

/**
 * Waits for `step` for at most `ms`: true if it settled in time (its rejection is rethrown), false if
 * not (it goes on in the background, its outcome ignored).
 */
async function settlesBy(step: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([step.then(() => true as const), late])
  } finally {
    clearTimeout(timer)
    step.catch(() => undefined)
  }
}

function statusPayload(
  state: 'online' | 'offline',
  def: { name: string; version: string },
  instance: string,
  since: number,
): string {
  const status: ServiceStatus = {
    state,
    version: def.version,
    host: hostname(),
    since,
    service: def.name,
    instance,
    pid: process.pid,
  }
  return encodeText(status)
}

/**
 * Starts a service without touching process signals or `process.exit`.
 *
 * @example
 * ```ts
 * const svc = await startService(windowingService, { argv: ['--broker', url], overrides: { instance: 't1' } })
 * // … publish, observe …
 * await svc.stop()
 * ```
 */
export async function startService<S extends TObject>(
  def: ServiceDefinition<S>,
  options: StartServiceOptions = {},
): Promise<ServiceHandle<S>> {
  const version = def.version ?? '0.0.0'
  const config = loadConfig({
    schema: def.configSchema,
    service: def.name,
    argv: options.argv ?? [],
    env: options.env ?? {},
    ...(options.overrides !== undefined ? { overrides: options.overrides } : {}),
  })
  const common = config as ServiceConfig<TObject>
  const { prefix, group, instance } = common
  const log =
    options.logger?.child({ svc: def.name, version, instance }) ??
    pino({ level: common.logLevel, base: { svc: def.name, version, instance } })
  const topic = statusTopic(prefix, def.name, instance)
  const startedAt = Date.now()
  const transport =
    options.transport ??
    createMqttTransport({
      url: common.broker,
      // `sluice-<service>-<instance>`: how our broker recognises a service on loopback and applies its ACL.
      clientId: `sluice-${def.name}-${instance}`,
      clean: common.session !== 'persistent',
      will: {
        topic,
        payload: statusPayload('offline', { name: def.name, version }, instance, startedAt),
        qos: 1,
        retain: true,
      },
      ...(common.username !== undefined ? { username: common.username } : {}),
      ...(common.password !== undefined ? { password: common.password } : {}),
      log: log.child({ component: 'transport' }),
    })

  const inbound = new Map<string, InboundHop<never>>()
  const outbound = new Map<string, OutboundHop>()
  const shutdownHooks: (() => void | Promise<void>)[] = []
  const extraSources: MetricsSource[] = []
  let started = false
  let stopping = false

  function publishOnline(): Promise<void> {
    return transport.publish(
      topic,
      statusPayload('online', { name: def.name, version }, instance, Date.now()),
      {
        qos: 1,
        retain: true,
      },
    )
  }

  function route(
    message: TransportMessage,
    ack: (outcome?: AckOutcome) => void,
    readOn?: () => void,
  ): void {
    let matched: InboundHop<never>[] | undefined
    let first: InboundHop<never> | undefined
    for (const hop of inbound.values()) {
      if (!hop.matches(message.topic)) continue
      if (first === undefined) first = hop
      else (matched ??= [first]).push(hop)
    }
    if (first === undefined) {
      ack()
      return
    }
    if (matched === undefined) {
      first.accept(message, ack, readOn)
      return
    }
    // Several hops want it: acknowledge once every one of them has taken it, and read on once every one
    // of them has read on or settled it.
    // If any of them leaves it at the broker, leave it: it comes back to all of them after a restart.
    let left = matched.length
    let unread = matched.length
    let leave = false
    for (const hop of matched) {
      let read = false
      const readOnce = (): void => {
        if (read) return
        read = true
        if (--unread === 0) readOn?.()
      }
      hop.accept(
        message,
        (outcome) => {
          if (outcome === 'leave') leave = true
          readOnce()
          if (--left === 0) ack(leave ? 'leave' : 'taken')
        },
        readOn === undefined ? undefined : readOnce,
      )
    }
  }

  transport.onMessage(route)

  function ensureNewHop(name: string): void {
    if (inbound.has(name) || outbound.has(name)) {
      throw new MeshHopError(
        `Hop ${name} is declared twice in service ${def.name}; hop names must be unique.`,
      )
    }
    if (stopping)
      throw new MeshHopError(`Service ${def.name} is stopping: hop ${name} cannot be added.`)
  }

  const context: ServiceContext<S> = {
    name: def.name,
    version,
    config,
    log,
    transport,
    prefix,
    group,
    instance,
    inbound<T = Sample>(spec: InboundHopSpec<T>): InboundHop<T> {
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
          prefix,
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
    outbound(spec: OutboundHopSpec): OutboundHop {
      ensureNewHop(spec.name)
      const hop = createOutboundHop(withHopConfig(spec, common.hops), {
        transport,
        log: log.child({ hop: spec.name }),
      })
      outbound.set(spec.name, hop)
      return hop
    },
    addMetricsSource(source) {
      extraSources.push(source)
    },
    onShutdown(fn) {
      shutdownHooks.push(fn)
    },
  }

  // GET /metrics from the same payload as the MQTT metrics (prometheus.ts), when a port is set.
  const prometheus =
    common.prometheusPort === undefined
      ? undefined
      : await startPrometheusExporter({ port: common.prometheusPort, host: common.prometheusHost })
  if (prometheus !== undefined) shutdownHooks.push(() => prometheus.close())
  const metrics = createMetricsPublisher({
    service: def.name,
    instance,
    prefix,
    transport,
    intervalMs: common.metricsIntervalMs,
    sources: () => [...inbound.values(), ...outbound.values(), ...extraSources],
    log: log.child({ component: 'metrics' }),
    ...(prometheus === undefined ? {} : { onCollect: (m: ServiceMetrics) => prometheus.update(m) }),
  })

  // Order matters (DESIGN.md §5). Hops are declared before connecting, paused: a persistent session's
  // backlog arrives right after CONNACK and must find its hop, not be acknowledged into the void. The
  // online status is not awaited: while a `block` hop withholds an acknowledgement mqtt.js reads nothing,
  // PUBACKs included, so awaiting any round trip before the hops drain could wait forever.
  let impl: ServiceImpl
  try {
    try {
      impl = await def.create(context)
    } catch (err) {
      markConfigRefusal(err)
      throw err
    }
    await transport.connect()
    const onlineFailed = (err: unknown): void =>
      log.warn({ err }, 'could not publish online status')
    publishOnline().catch(onlineFailed)
    transport.onEvent((e) => {
      // After a reconnect the broker may have published our will: say online again.
      if (e.type === 'connect' && !stopping) publishOnline().catch(onlineFailed)
    })
    await impl.start()
    started = true
    for (const hop of inbound.values()) hop.resume()
    for (const hop of inbound.values()) await hop.start()
  } catch (err) {
    await transport.close({ graceful: true }).catch(() => undefined)
    await prometheus?.close()
    throw err
  }
  metrics.start()
  log.info({ broker: common.broker, prefix, group }, 'service started')

  let stopped: Promise<StopReport> | undefined
  // `shutdownTimeoutMs` bounds the whole stop, every step that waits on the broker included: a broker
  // that stopped answering (host frozen, link cut) keeps a socket that looks connected, and a QoS 1
  // publish or an UNSUBSCRIBE on it would wait for the keepalive (clean session, ~1.5 × keepalive) or
  // for the broker's return (persistent session). What cannot be said by the deadline is left to the last
  // will and the persistent session (issue 11).
  async function stop(): Promise<StopReport> {
    stopping = true
    const deadline = Date.now() + common.shutdownTimeoutMs
    const left = (): number => Math.max(0, deadline - Date.now())
    const inTime = <T>(step: Promise<T>): Promise<boolean> => settlesBy(step, left())
    // On a persistent session, QoS ≥ 1 hops keep their subscriptions: the broker keeps what arrives
    // while we are down, and delivers it after a restart.
    const hold = common.session === 'persistent'
    await inTime(Promise.all([...inbound.values()].map((h) => h.stopIntake({ hold }))))
    const inDrained = await Promise.all([...inbound.values()].map((h) => h.drain(left())))
    const flushed = await inTime(
      (async () => {
        await impl.stop()
        for (const hook of shutdownHooks) await hook()
      })().catch((err: unknown) => log.error({ err }, 'service stop failed')),
    )
    const outDrained = await Promise.all([...outbound.values()].map((h) => h.drain(left())))
    const drained = flushed && [...inDrained, ...outDrained].every(Boolean)
    metrics.stop()
    await inTime(metrics.publishNow())
    for (const hop of outbound.values()) hop.close()
    // The retained `offline` status, acknowledged, lets us disconnect cleanly. Otherwise the socket is
    // dropped, and the broker publishes the will, which says the same, whenever it can.
    const offline =
      transport.connected &&
      left() > 0 &&
      (await inTime(
        transport.publish(
          topic,
          statusPayload('offline', { name: def.name, version }, instance, Date.now()),
          { qos: 1, retain: true },
        ),
      ).catch((err: unknown) => {
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

  return {
    context,
    config,
    metrics,
    stop() {
      stopped ??= stop()
      return stopped
    },
    async kill() {
      stopping = true
      metrics.stop()
      for (const hop of outbound.values()) hop.close()
      await transport.close({ graceful: false })
    },
  }
}

/**
 * Runs a service as a process: starts it with `argv` (default `process.argv` after the script) and
 * `process.env`, stops it gracefully on
 * SIGINT/SIGTERM (a second signal exits at once), and exits with 0 after a clean stop. A start that fails
 * prints the failure's message and code (a stack only for an unknown error), and exits with 2 when the
 * config was refused, 1 on any other failure (`describeStartFailure`). A service's `main.ts` is just this
 * call.
 *
 * @example
 * ```ts
 * runService({ name: 'windowing', version: '0.1.0', configSchema, create: createWindowingService })
 * ```
 */
export function runService<S extends TObject>(
  def: ServiceDefinition<S>,
  argv: readonly string[] = process.argv.slice(2),
): void {
  startService(def, { argv, env: process.env }).then(
    (handle) => {
      let signals = 0
      const onSignal = (signal: NodeJS.Signals): void => {
        if (++signals > 1) process.exit(130)
        handle.context.log.info({ signal }, 'shutting down')
        handle.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            handle.context.log.error({ err }, 'shutdown failed')
            process.exit(1)
          },
        )
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
    },
    (err: unknown) => {
      const failure = describeStartFailure(def.name, err)
      process.stderr.write(failure.text)
      process.exit(failure.exitCode)
    },
  )
}
