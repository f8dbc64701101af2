/**
 * @module service
 * The anomaly service: raw samples in, debounced anomaly events out on `{p}/{device}/{channel}/anomaly`
 * (DESIGN.md §1, §4, §8). The detectors live in `@sluice/stream`; this file wires them to the hops.
 */
import { anomalyTopic, encodeText, parseSensorKey, rawFilter } from '@sluice/contract'
import type { ServiceContext, ServiceImpl } from '@sluice/mesh'
import type { DetectorSpec } from '@sluice/stream'
import { DEFAULT_DETECTOR, type AnomalyConfigSchema } from './config.js'
import { createSensorDetectors } from './sensor-detectors.js'

/** Builds the anomaly service from its runtime context. */
export function createAnomalyService(ctx: ServiceContext<typeof AnomalyConfigSchema>): ServiceImpl {
  const { config, prefix } = ctx
  const out = ctx.outbound({
    name: 'events',
    qos: 1,
    queue: { capacity: 10_000, policy: 'drop-oldest' },
  })
  // The config schema checks the shape; the detector factories check names and options at start.
  const detectors = createSensorDetectors(
    (config.detector ?? DEFAULT_DETECTOR) as DetectorSpec,
    config.sensors as Readonly<Record<string, DetectorSpec>>,
    config.debounce,
    (key, event) => {
      const sensor = parseSensorKey(key)
      if (sensor === null) return
      out.publish(anomalyTopic(prefix, sensor.device, sensor.channel), encodeText(event), 1, {
        ingest: event.ingest,
      })
    },
  )
  ctx.inbound({
    name: 'raw',
    qos: 1,
    queue: { capacity: 20_000, policy: 'drop-oldest' },
    filters: config.devices.map((d) => rawFilter(prefix, d)),
    handle: (key, samples) => {
      detectors.push(key, samples)
    },
  })
  return { start: () => Promise.resolve(), stop: () => Promise.resolve() }
}
