/**
 * @module service
 * The anomaly service: raw samples in, debounced anomaly events out on `{p}/{device}/{channel}/anomaly`
 * (DESIGN.md §1, §4, §8). The detectors live in `@sluice/stream`; this file wires them to the hops.
 */
import {
  anomalyTopic,
  encodeText,
  parseSensorKey,
  deviceRawFilter,
  rawFilter,
} from '@sluice/contract'
import { createSampledLog, type ServiceContext, type ServiceImpl } from '@sluice/mesh'
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
    config.maxSensors,
  )
  const warnRefused = createSampledLog(ctx.log, 'warn', 1000)
  ctx.inbound({
    name: 'raw',
    qos: 1,
    queue: { capacity: 20_000, policy: 'drop-oldest' },
    // Per-channel raw topics, and the device-level topic of devices publishing directly.
    filters: config.devices.flatMap((d) => [rawFilter(prefix, d), deviceRawFilter(prefix, d)]),
    handle: (key, samples) => {
      const before = detectors.refused
      detectors.push(key, samples)
      if (detectors.refused > before)
        warnRefused(
          { sensor: key, refused: detectors.refused, maxSensors: config.maxSensors },
          `more than maxSensors (${config.maxSensors}) sensors: samples of ${key} are refused; raise ` +
            'maxSensors, or split the sensors between instances with --devices',
        )
    },
  })
  return { start: () => Promise.resolve(), stop: () => Promise.resolve() }
}
