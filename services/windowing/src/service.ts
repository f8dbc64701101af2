/**
 * @module service
 * The windowing service: subscribes to raw samples, keeps every configured window for every sensor, and
 * publishes each window aggregate on `{p}/{device}/{channel}/window/{name}` (DESIGN.md §1, §4, §7). All the
 * statistics live in `@sluice/stream`; this file only wires them to the hops.
 */
import { parseSensorKey, statusTopic, windowTopic } from '@sluice/contract'
import { createSensorIntake, type ServiceContext, type ServiceImpl } from '@sluice/mesh'
import { DEFAULT_WINDOWS, type WindowingConfigSchema } from './config.js'
import { deviceDiscovery } from './home-assistant.js'
import { createSensorWindows } from './sensor-windows.js'
import { createWindowPublisher } from './window-publisher.js'

/**
 * Home Assistant discovery (home-assistant.ts), when enabled: returns what to call with each sensor key
 * handled; a device's retained config is published again whenever it gains a channel.
 */
function createDiscovery(
  ctx: ServiceContext<typeof WindowingConfigSchema>,
  windows: readonly string[],
): ((key: string) => void) | undefined {
  const ha = ctx.config.homeAssistant
  if (!ha.enabled) return undefined
  const out = ctx.outbound({
    name: 'home-assistant',
    qos: 1,
    retain: true,
    queue: { capacity: 1000, policy: 'drop-oldest' },
  })
  const seen = new Set<string>()
  const channels = new Map<string, string[]>()
  const status = statusTopic(ctx.prefix, ctx.name, ctx.instance)
  return (key) => {
    // Bounded like the windows themselves: by the sensors this instance keeps (maxSensors).
    if (seen.has(key) || seen.size >= ctx.config.maxSensors) return
    seen.add(key)
    const sensor = parseSensorKey(key)
    if (sensor === null) return
    const list = [...(channels.get(sensor.device) ?? []), sensor.channel]
    channels.set(sensor.device, list)
    const { topic, payload } = deviceDiscovery({
      discoveryPrefix: ha.discoveryPrefix,
      prefix: ctx.prefix,
      device: sensor.device,
      channels: list,
      windows,
      statusTopic: status,
      version: ctx.version,
      offDelayS: ha.offDelayS,
    })
    out.publish(topic, JSON.stringify(payload), 1)
  }
}

/** Builds the windowing service from its runtime context. */
export function createWindowingService(
  ctx: ServiceContext<typeof WindowingConfigSchema>,
): ServiceImpl {
  const { config, prefix } = ctx
  const out = ctx.outbound({
    name: 'windows',
    qos: 1,
    queue: { capacity: 10_000, policy: 'drop-oldest' },
  })
  const specs = Object.keys(config.windows).length > 0 ? config.windows : DEFAULT_WINDOWS
  // Aggregates of one topic closed by one push go out together (window-publisher.ts). In the hop's
  // `handled` mode (a persistent session) they are published with confirmation, and the raw messages are
  // acknowledged only once the broker has those aggregates: a crash then loses no processed sample.
  const publisher = createWindowPublisher(out, {
    maxSamples: config.batch.maxAggregates,
    maxDelayMs: config.batch.maxDelayMs,
  })
  // Topics per (sensor, window), built once: the builders validate every identifier, and a sliding window
  // emits an aggregate per sample. Bounded by sensors × configured windows. Per sensor, then per window:
  // no key string is built per aggregate.
  const topics = new Map<string, Map<string, string | null>>()
  const topicOf = (key: string, window: string): string | null => {
    let ofSensor = topics.get(key)
    if (ofSensor === undefined) topics.set(key, (ofSensor = new Map<string, string | null>()))
    let topic = ofSensor.get(window)
    if (topic === undefined) {
      const sensor = parseSensorKey(key)
      topic = sensor === null ? null : windowTopic(prefix, sensor.device, sensor.channel, window)
      ofSensor.set(window, topic)
    }
    return topic
  }
  const windows = createSensorWindows(specs, (key, agg) => {
    const topic = topicOf(key, agg.window)
    if (topic !== null) publisher.collect(topic, agg)
  })
  const announce = createDiscovery(ctx, Object.keys(specs))
  // Sensors beyond `maxSensors` are refused there, and counted on the hop as `max-sensors`.
  createSensorIntake(ctx, {
    qos: 1,
    queue: { capacity: 20_000, policy: 'drop-oldest' },
    devices: config.devices,
    maxSensors: config.maxSensors,
    // In `handled` mode at most 2 × 4000 + 512 samples are handled ahead of the broker's
    // acknowledgements (see the hop), so even a size-1 window (one aggregate per sample) cannot overflow
    // the outbound queue of 10 000 during a burst, such as a persistent session's backlog after a
    // restart. The broker holds the rest.
    maxUnconfirmed: 4000,
    // Instances of the group share the sensors; a sensor moves with its open windows (DESIGN.md §12).
    units: {
      kind: 'sensor',
      exportUnit: (key) => windows.exportSensor(key),
      importUnit: (key, state) => windows.importSensor(key, state),
    },
    handle: (key, samples, batch) => {
      announce?.(key)
      try {
        const { late } = windows.push(key, samples)
        // Counted by the hop, so its metrics show the loss, not only the aggregates' `late`.
        if (late > 0) batch.drop('late', late)
      } finally {
        publisher.send(batch)
      }
    },
  })
  let idleTimer: NodeJS.Timeout | undefined
  return {
    start: () => {
      // While disconnected, silence says nothing about the sensors (their samples wait upstream), so
      // the idle timer waits too. Its emissions never make data late either way (issue 11, item 2).
      if (config.idleAfterMs > 0)
        idleTimer = setInterval(
          () => {
            if (!ctx.transport.connected) return
            windows.advanceIdle(Date.now(), config.idleAfterMs)
            publisher.send()
          },
          Math.min(1000, config.idleAfterMs),
        )
      return Promise.resolve()
    },
    stop: () => {
      clearInterval(idleTimer)
      // Open windows are flushed at shutdown so a restart does not silently lose a partial window.
      windows.flush()
      publisher.close()
      return Promise.resolve()
    },
  }
}
