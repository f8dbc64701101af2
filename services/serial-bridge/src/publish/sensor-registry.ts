/**
 * @module publish/sensor-registry
 * The bridge's part of the sensor registry (DESIGN.md §12, issue 13): for every device it serves, one
 * retained `sluice.v1.sensors` record with the device's channels, on
 * `{p}/_sys/serial-bridge/{instance}/sensors/{device}`. The members of a group (windowing, anomaly) read
 * these records to know which sensors exist, and assign them among themselves. A record goes out once the
 * channels are known, again whenever they change, and again after every reconnect (a broker without
 * persistence forgets retained messages when it restarts).
 */
import { encodeText, sensorsTopic, type SensorsRecord } from '@sluice/contract'
import type { BridgeLogger } from '../logger.js'

/** Publishes one retained record (QoS 1); rejects when it cannot be sent. */
export type RetainedPublish = (topic: string, payload: string) => Promise<void>

/** Options of {@link createSensorRegistry}. */
export interface SensorRegistryOptions {
  readonly prefix: string
  /** The service name (the `{service}` of the topic): `serial-bridge`. */
  readonly service: string
  /** This bridge's instance id (the `{instance}` of the topic). */
  readonly instance: string
  /** The devices this bridge serves. */
  readonly devices: readonly string[]
  readonly publish: RetainedPublish
  /** Wall clock for the record's `t`. Default `Date.now`. */
  readonly now?: () => number
  readonly logger?: BridgeLogger
}

/** The bridge's sensor registry announcer. */
export interface SensorRegistry {
  /**
   * Announces every device with `channels` (in value order), unless they are the ones announced last. Cheap
   * when nothing changed (a reference check first), so it may be called for every reading. An empty list
   * (a replay whose file is not read yet) announces nothing.
   */
  sync(channels: readonly string[]): void
  /** Publishes the last announcement again (after a reconnect); nothing before the first. */
  republish(): void
  /** The channels last announced, if any. */
  readonly announced: readonly string[] | undefined
}

/**
 * Creates the registry announcer of one bridge.
 *
 * @example
 * ```ts
 * const registry = createSensorRegistry({ prefix: 'sluice', service: 'serial-bridge', instance: 'b1', devices: ['pump-1'],
 *   publish: (topic, payload) => transport.publish(topic, payload, { qos: 1, retain: true }) })
 * registry.sync(['current', 'pressure'])
 * ```
 */
export function createSensorRegistry(options: SensorRegistryOptions): SensorRegistry {
  const { prefix, service, instance, devices, publish } = options
  const now = options.now ?? Date.now
  let seen: readonly string[] | undefined
  let announced: readonly string[] | undefined

  const publishAll = (channels: readonly string[]): void => {
    for (const device of devices) {
      const record: SensorsRecord = { device, channels: [...channels], t: now() }
      // Not awaited: while a `block` hop withholds an acknowledgement, mqtt.js reads no PUBACK either.
      publish(sensorsTopic(prefix, service, instance, device), encodeText(record)).catch(
        (err: unknown) =>
          options.logger?.warn(
            { err, device },
            `could not publish the sensor registry of ${device}`,
          ),
      )
    }
  }

  return {
    sync(channels) {
      if (channels === seen) return
      seen = channels
      if (channels.length === 0) return
      if (announced !== undefined && announced.join(',') === channels.join(',')) return
      announced = [...channels]
      publishAll(announced)
    },
    republish() {
      if (announced !== undefined) publishAll(announced)
    },
    get announced() {
      return announced
    },
  }
}
