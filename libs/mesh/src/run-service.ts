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
import type { TObject } from '@sinclair/typebox'
import { statusTopic, type GroupMetrics, type ServiceMetrics } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import { pino, type Logger } from 'pino'
import { loadConfig, type CommonConfig, type ServiceConfig } from './config.js'
import { createGroupRuntime, type GroupRuntime } from './group/group-runtime.js'
import type { InboundHop, InboundHopSpec } from './hop/inbound-hop.js'
import { createMessageRouter } from './hop/message-router.js'
import type { OutboundHop, OutboundHopSpec } from './hop/outbound-hop.js'
import { createMetricsPublisher, type MetricsPublisher, type MetricsSource } from './metrics.js'
import { startPrometheusExporter, type PrometheusExporter } from './prometheus.js'
import { createServiceHops, type ServiceHops } from './service-hops.js'
import { statusPayload, type StatusSubject } from './service-status.js'
import { settlesBy, stopGracefully } from './service-stop.js'
import { describeStartFailure, markConfigRefusal } from './start-failure.js'
import { createTransport } from './transport/create.js'
import type { Transport } from './transport/transport.js'

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
  /** This instance's share of its group (config `weight`). */
  readonly weight: number
  /** When this incarnation started (ms since the epoch): the epoch of its member record. */
  readonly epoch: number
  /**
   * This instance's group runtime (members, control messages), made on the first call: a service
   * that shares work between instances calls it while it is created (DESIGN.md §12).
   */
  joinGroup(): GroupRuntime
  /** Reports the `group` section of the metrics (who owns what), read at every interval. */
  reportGroup(fn: () => GroupMetrics | undefined): void
  /**
   * Runs `fn` first thing on a graceful stop, before intake stops (e.g. handing work to the rest of
   * the group). It shares the stop's deadline.
   */
  onStopping(fn: () => Promise<void>): void
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

/** The transport `startService` makes when it is given none: by the broker URL, with the `offline` status
 * as will. */
function createServiceTransport(
  common: CommonConfig,
  subject: StatusSubject,
  statusTopic: string,
  log: Logger,
): Transport {
  const { stream, ...nats } = common.nats
  return createTransport({
    url: common.broker,
    // `sluice-<service>-<instance>`: how our broker recognises a service on loopback and applies its ACL.
    clientId: `sluice-${subject.name}-${subject.instance}`,
    prefix: common.prefix,
    clean: common.session !== 'persistent',
    will: { topic: statusTopic, payload: statusPayload('offline', subject, Date.now()) },
    nats: { ...nats, streams: stream },
    ...(common.username !== undefined ? { username: common.username } : {}),
    ...(common.password !== undefined ? { password: common.password } : {}),
    log: log.child({ component: 'transport' }),
  })
}

/** The metrics publisher of a service, with its Prometheus exporter when a port is set. */
async function createServiceMetrics(
  common: CommonConfig,
  subject: StatusSubject,
  transport: Transport,
  sources: () => MetricsSource[],
  group: () => GroupMetrics | undefined,
  log: Logger,
): Promise<{ metrics: MetricsPublisher; prometheus: PrometheusExporter | undefined }> {
  // GET /metrics from the same payload as the MQTT metrics (prometheus.ts), when a port is set.
  const prometheus =
    common.prometheusPort === undefined
      ? undefined
      : await startPrometheusExporter({ port: common.prometheusPort, host: common.prometheusHost })
  const metrics = createMetricsPublisher({
    service: subject.name,
    instance: subject.instance,
    prefix: common.prefix,
    transport,
    intervalMs: common.metricsIntervalMs,
    sources,
    group,
    log: log.child({ component: 'metrics' }),
    ...(prometheus === undefined ? {} : { onCollect: (m: ServiceMetrics) => prometheus.update(m) }),
  })
  return { metrics, prometheus }
}

/** Reads and freezes the config, and makes what identifies the service: its status subject and logger. */
function configureService<S extends TObject>(
  def: ServiceDefinition<S>,
  options: StartServiceOptions,
): { config: ServiceConfig<S>; subject: StatusSubject; log: Logger } {
  const version = def.version ?? '0.0.0'
  const config = loadConfig({
    schema: def.configSchema,
    service: def.name,
    argv: options.argv ?? [],
    env: options.env ?? {},
    ...(options.overrides !== undefined ? { overrides: options.overrides } : {}),
  })
  const common = config as ServiceConfig<TObject>
  const { group, instance } = common
  const subject: StatusSubject = {
    name: def.name,
    version,
    instance,
    group,
    weight: common.weight,
    epoch: Date.now(),
  }
  const log =
    options.logger?.child({ svc: def.name, version, instance }) ??
    pino({ level: common.logLevel, base: { svc: def.name, version, instance } })
  return { config, subject, log }
}

/** What {@link bringUp} starts besides the service itself. */
interface BringUpParts {
  readonly hops: ServiceHops
  /** The group runtime, once the service has joined its group. */
  readonly groupRuntime: () => GroupRuntime | undefined
  readonly shutdownHooks: (() => void | Promise<void>)[]
  readonly publishOnline: () => Promise<void>
  /** True once a stop has begun: a reconnect then no longer says online. */
  readonly stopping: () => boolean
  readonly prometheus: PrometheusExporter | undefined
}

/**
 * Creates the service and brings it up: group, connection, online status, the service's `start`, then its
 * hops. On a failure it closes the connection and the Prometheus exporter, and throws.
 */
async function bringUp<S extends TObject>(
  def: ServiceDefinition<S>,
  context: ServiceContext<S>,
  parts: BringUpParts,
): Promise<ServiceImpl> {
  const { transport, log } = context
  const { hops, groupRuntime, shutdownHooks, publishOnline, prometheus } = parts
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
    groupRuntime()?.open()
    if (groupRuntime() !== undefined) shutdownHooks.push(() => groupRuntime()?.close())
    await transport.connect()
    const onlineFailed = (err: unknown): void =>
      log.warn({ err }, 'could not publish online status')
    publishOnline().catch(onlineFailed)
    transport.onEvent((e) => {
      // After a reconnect the broker may have published our will: say online again.
      if (e.type === 'connect' && !parts.stopping()) publishOnline().catch(onlineFailed)
    })
    await impl.start()
    await hops.start()
    // A group member takes its share before it says it has started (its subscriptions follow it).
    groupRuntime()?.begin()
    const joined = groupRuntime()
    if (joined !== undefined) await settlesBy(joined.ready, 10_000)
  } catch (err) {
    await transport.close({ graceful: true }).catch(() => undefined)
    await prometheus?.close()
    throw err
  }
  return impl
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
  const { config, subject, log } = configureService(def, options)
  const common = config as ServiceConfig<TObject>
  const { prefix, group, instance } = common
  const { version } = subject
  const topic = statusTopic(prefix, def.name, instance)
  const transport = options.transport ?? createServiceTransport(common, subject, topic, log)
  const publishStatus = (state: 'online' | 'offline', leaving = false): Promise<void> =>
    transport.publish(topic, statusPayload(state, subject, Date.now(), leaving), {
      qos: 1,
      retain: true,
    })
  const hops = createServiceHops(def.name, common, transport, log)
  const shutdownHooks: (() => void | Promise<void>)[] = []
  const stoppingHooks: (() => Promise<void>)[] = []
  const extraSources: MetricsSource[] = []
  let groupRuntime: GroupRuntime | undefined
  let groupMetrics: () => GroupMetrics | undefined = () => undefined
  const joinGroup = (): GroupRuntime =>
    (groupRuntime ??= createGroupRuntime({
      prefix,
      service: def.name,
      group,
      self: { instance, weight: common.weight, epoch: subject.epoch },
      transport,
      settleMs: common.scaleOut.settleMs,
      graceMs: common.scaleOut.graceMs,
      log: log.child({ component: 'group' }),
      inbound: (spec) => hops.addInbound(spec),
      publishOffline: () => publishStatus('offline', true),
    }))
  let stopping = false
  transport.onMessage(createMessageRouter(() => hops.inbound.values()))

  const context: ServiceContext<S> = {
    name: def.name,
    version,
    config,
    log,
    transport,
    prefix,
    group,
    instance,
    weight: common.weight,
    epoch: subject.epoch,
    joinGroup,
    reportGroup: (fn) => (groupMetrics = fn),
    onStopping: (fn) => void stoppingHooks.push(fn),
    inbound: (spec) => hops.addInbound(spec),
    outbound: (spec) => hops.addOutbound(spec),
    addMetricsSource: (source) => void extraSources.push(source),
    onShutdown: (fn) => void shutdownHooks.push(fn),
  }
  const { metrics, prometheus } = await createServiceMetrics(
    common,
    subject,
    transport,
    () => [...hops.inbound.values(), ...hops.outbound.values(), ...extraSources],
    () => groupMetrics(),
    log,
  )
  if (prometheus !== undefined) shutdownHooks.push(() => prometheus.close())

  const impl = await bringUp(def, context, {
    hops,
    groupRuntime: () => groupRuntime,
    shutdownHooks,
    publishOnline: () => publishStatus('online'),
    stopping: () => stopping,
    prometheus,
  })
  metrics.start()
  log.info({ broker: common.broker, prefix, group }, 'service started')

  let stopped: Promise<StopReport> | undefined
  return {
    context,
    config,
    metrics,
    stop() {
      stopping = true
      stopped ??= stopGracefully({
        common,
        hops,
        impl,
        stoppingHooks,
        shutdownHooks,
        metrics,
        transport,
        log,
        publishOffline: () => publishStatus('offline'),
      })
      return stopped
    },
    async kill() {
      stopping = true
      hops.stopping()
      groupRuntime?.close()
      metrics.stop()
      for (const hop of hops.outbound.values()) hop.close()
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
