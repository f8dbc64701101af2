/**
 * @module service
 * The anomaly service: raw samples in, anomaly episode events out on `{p}/{device}/{channel}/anomaly`
 * (DESIGN.md §1, §4, §8): a detector per sensor and, for devices with two or more channels, a
 * multivariate detector per device. The detectors live in `@sluice/stream`; this file wires them to the
 * hops and reports how many sensors are learning, normal or in an episode in its metrics.
 */
import { anomalyTopic, encodeText, parseSensorKey, type AnomalyEvent } from '@sluice/contract'
import { createSensorIntake, type ServiceContext, type ServiceImpl } from '@sluice/mesh'
import type { AnomalyConfigSchema } from './config.js'
import { createDetectorMetrics } from './detector-metrics.js'
import { createDetectorSet } from './detector-set.js'

/** Builds the anomaly service from its runtime context. */
export function createAnomalyService(ctx: ServiceContext<typeof AnomalyConfigSchema>): ServiceImpl {
  const { config, prefix } = ctx
  const out = ctx.outbound({
    name: 'events',
    qos: 1,
    queue: { capacity: 10_000, policy: 'drop-oldest' },
  })
  const publish = (key: string, event: AnomalyEvent): void => {
    const sensor = parseSensorKey(key)
    if (sensor === null) return
    out.publish(anomalyTopic(prefix, sensor.device, sensor.channel), encodeText(event), 1, {
      ingest: event.ingest,
    })
  }
  const { sensors: detectors, devices, push } = createDetectorSet(config, publish)
  ctx.addMetricsSource(createDetectorMetrics(detectors, devices))
  // Sensors beyond `maxSensors` are refused there, and counted on the hop as `max-sensors`.
  createSensorIntake(ctx, {
    qos: 1,
    queue: { capacity: 20_000, policy: 'drop-oldest' },
    devices: config.devices,
    maxSensors: config.maxSensors,
    // Instances of the group share the devices (the multivariate detector reads all of a device's
    // channels together); a device moves with its detectors' state (DESIGN.md §12).
    units: {
      kind: 'device',
      exportUnit: (device) => ({
        sensors: detectors.exportDevice(device) ?? null,
        device: devices?.exportDevice(device) ?? null,
      }),
      importUnit: (device, state) => {
        const { sensors, device: joint } = state as { sensors: unknown; device: unknown }
        if (sensors !== null) detectors.importDevice(device, sensors)
        if (joint !== null && devices !== undefined) devices.importDevice(device, joint)
      },
    },
    handle: push,
  })
  return { start: () => Promise.resolve(), stop: () => Promise.resolve() }
}
