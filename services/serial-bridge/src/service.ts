/**
 * @module service
 * The serial bridge (DESIGN.md §1, §10): a source (serial device, simulator or replay) in; raw samples out
 * on `{p}/{device}/{channel}/raw`, one topic per channel of a multi-value line, stamped with `t` and
 * `ingest`, batched, through the `raw` outbound hop (where backpressure shows); and the `rate` subscription
 * passed on to the source. A thin composition: parsing, validation, batching and the serial link live in
 * their own modules.
 */
import type { ServiceContext, ServiceImpl } from '@sluice/mesh'
import {
  resolveBridgeConfig,
  type ResolvedBridgeConfig,
  type SerialBridgeConfig,
  type SerialBridgeConfigSchema,
} from './config.js'
import { createDownstreamPressure, downstreamHopSpec } from './handlers/downstream.js'
import { createRateHandler, rateHopSpec } from './handlers/rate.js'
import type { BridgeLogger } from './logger.js'
import { createDeviceMetrics } from './publish/device-metrics.js'
import { createRawPublisher, type RawPublisher } from './publish/raw-publisher.js'
import { createSensorRegistry, type SensorRegistry } from './publish/sensor-registry.js'
import type { PortFactory } from './serial/serial-link.js'
import { createReplaySource } from './sources/replay-source.js'
import { createSerialSource, type SerialSource } from './sources/serial-source.js'
import { createSimSource } from './sources/sim-source.js'
import type { BridgeSource, Reading } from './sources/source.js'

/** Optional dependencies, for tests and in-process use. */
export interface SerialBridgeDeps {
  /** Opens serial ports (default: the `serialport` package). */
  readonly openPort?: PortFactory
}

/** The running bridge: the service's start/stop, and its parts for tests and status. */
export interface SerialBridge extends ServiceImpl {
  readonly source: BridgeSource
  readonly publisher: RawPublisher
  /** The sensor registry records this bridge announces (issue 13). */
  readonly registry: SensorRegistry
}

/** The bridge's source for its mode; the serial source is also returned as such, for its metrics. */
function createBridgeSource(
  config: SerialBridgeConfig,
  resolved: ResolvedBridgeConfig,
  deps: SerialBridgeDeps,
  log: BridgeLogger,
): { source: BridgeSource; serial?: SerialSource } {
  const [device] = resolved.devices as [string]
  switch (config.mode) {
    case 'serial': {
      const serial = createSerialSource({
        device,
        port: config.port,
        baudRate: config.baud,
        channels: resolved.channels,
        ranges: config.ranges,
        requireChecksum: config.checksum === 'required',
        resetDelayMs: config.resetDelayMs,
        backoff: config.reconnect,
        mismatch: config.mismatch,
        governor: config.governor.enabled ? config.governor : false,
        ...(config.rateHz !== undefined ? { rateHz: config.rateHz } : {}),
        ...(deps.openPort !== undefined ? { openPort: deps.openPort } : {}),
        logger: log,
      })
      return { source: serial, serial }
    }
    case 'sim':
      return {
        source: createSimSource({
          ...config.sim,
          rateHz: config.rateHz ?? config.sim.rateHz,
          devices: resolved.devices,
          channels: resolved.channels,
          logger: log,
        }),
      }
    case 'replay':
      return {
        source: createReplaySource({
          device,
          file: config.replay.file,
          ...(resolved.channels.length > 0 ? { channels: resolved.channels } : {}),
          skipColumns: config.replay.skipColumns
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== ''),
          speed: config.replay.speed,
          time: config.replay.time,
          loop: config.replay.loop,
          logger: log,
        }),
      }
  }
}

/**
 * The bridge's sensor registry (§12, issue 13): retained QoS 1 records under its own `_sys` subtree,
 * published again after every reconnect; `offConnect` stops that.
 */
function createBridgeRegistry(
  ctx: ServiceContext<typeof SerialBridgeConfigSchema>,
  devices: readonly string[],
  log: BridgeLogger,
): { registry: SensorRegistry; offConnect: () => void } {
  const registry = createSensorRegistry({
    prefix: ctx.prefix,
    service: ctx.name,
    instance: ctx.instance,
    devices,
    publish: (topic, payload) => ctx.transport.publish(topic, payload, { qos: 1, retain: true }),
    logger: log,
  })
  const offConnect = ctx.transport.onEvent((e) => {
    if (e.type === 'connect') registry.republish()
  })
  return { registry, offConnect }
}

/**
 * Builds the serial bridge from its runtime context.
 *
 * @example
 * ```ts
 * runService({ name: 'serial-bridge', configSchema: SerialBridgeConfigSchema, create: createSerialBridgeService })
 * ```
 */
export function createSerialBridgeService(
  ctx: ServiceContext<typeof SerialBridgeConfigSchema>,
  deps: SerialBridgeDeps = {},
): SerialBridge {
  const { config, prefix } = ctx
  const resolved = resolveBridgeConfig(config)
  const log = ctx.log.child({ component: config.mode }) as unknown as BridgeLogger

  const { source, serial } = createBridgeSource(config, resolved, deps, log)

  // Raw samples: QoS 1 so that loss after the bridge is visible as unexplained loss (§6), drop-oldest
  // because live monitoring wants the newest data; both can be changed under `hops.raw`.
  const out = ctx.outbound({
    name: 'raw',
    qos: 1,
    queue: { capacity: 10_000, policy: 'drop-oldest' },
  })
  // A batch is one queue entry: keep it well below the queue's capacity, or one batch would fill (or not
  // even fit in) the queue and the policy could only drop whole batches.
  const maxSamples = Math.max(
    1,
    Math.min(config.batch.maxSamples, Math.floor(out.spec.queue.capacity / 4)),
  )
  const publisher = createRawPublisher({
    hop: out,
    prefix,
    batch: { maxSamples, maxDelayMs: config.batch.maxDelayMs },
  })
  ctx.inbound(rateHopSpec(prefix, resolved.devices, createRateHandler(source, log)))

  // Backpressure to the device (§5): visible as the `device` hop in metrics; a consumer of our raw topics
  // that reports itself critical counts as pressure too, through everyone's metrics.
  let downstream: (() => string | undefined) | undefined
  if (serial !== undefined) {
    const s = serial
    ctx.addMetricsSource(createDeviceMetrics(() => s.backpressure()))
    if (config.governor.enabled && config.governor.downstream) {
      const pressure = createDownstreamPressure({
        prefix,
        devices: resolved.devices,
        channels: () => source.channels,
        ttlMs: config.governor.downstreamTtlMs,
      })
      ctx.inbound(downstreamHopSpec(prefix, (m) => pressure.report(m, Date.now())))
      downstream = () => pressure.critical(Date.now())
    }
  }

  const { registry, offConnect } = createBridgeRegistry(ctx, resolved.devices, log)

  const reading = (r: Reading): void => {
    // A multi-value line becomes one raw topic per channel (§3).
    const channels = source.channels
    registry.sync(channels)
    for (let i = 0; i < r.values.length; i++) {
      publisher.push(r.device, channels[i]!, {
        seq: r.seq,
        t: r.t,
        value: r.values[i]!,
        ingest: r.ingest,
      })
    }
  }

  return {
    source,
    publisher,
    registry,
    async start() {
      // Channels are known now (sim, serial) or once a replay has read its file's header.
      registry.sync(source.channels)
      await source.start({
        reading,
        dropped: (device, n) => {
          for (const channel of source.channels) publisher.countDropped(device, channel, n)
        },
        congestion: () => publisher.congestion(),
        room: () => publisher.room(),
        ...(downstream !== undefined ? { downstream } : {}),
      })
      registry.sync(source.channels)
    },
    async stop() {
      offConnect()
      await source.stop()
      publisher.flushAll()
      publisher.close()
      const s = publisher.stats()
      ctx.log.info(
        { samples: s.samples, messages: s.messages, droppedAtEdge: s.droppedAtEdge },
        `Bridge stopped after ${s.samples} samples in ${s.messages} messages`,
      )
    },
  }
}
