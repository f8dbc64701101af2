/**
 * @module group/registry-announcer
 * A lone member that sees a sensor no registry record names (a device publishing directly) announces
 * it: a retained `sluice.v1.sensors` record for the device in its own `_sys` subtree, so members that
 * join later know of the sensor and can assign it (DESIGN.md §12).
 */
import { encodeText, parseSensorKey, sensorsTopic, type SensorsRecord } from '@sluice/contract'
import type { OutboundHop } from '../hop/outbound-hop.js'

/** The announcer of one member. */
export interface RegistryAnnouncer {
  /** Notes a sensor seen in traffic that no record names. */
  announce(key: string): void
  /** Publishes the records of the devices that gained a sensor since the last call. */
  publishDirty(): void
}

/** Creates the announcer of member `self` of `service`. */
export function createRegistryAnnouncer(
  prefix: string,
  service: string,
  self: string,
  out: OutboundHop,
): RegistryAnnouncer {
  const announced = new Map<string, Set<string>>()
  const dirty = new Set<string>()
  return {
    announce(key) {
      const sensor = parseSensorKey(key)
      if (sensor === null) return
      let channels = announced.get(sensor.device)
      if (channels === undefined) announced.set(sensor.device, (channels = new Set()))
      channels.add(sensor.channel)
      dirty.add(sensor.device)
    },
    publishDirty() {
      for (const device of dirty) {
        const record: SensorsRecord = {
          device,
          channels: [...(announced.get(device) ?? [])],
          t: Date.now(),
        }
        out.publish(sensorsTopic(prefix, service, self, device), encodeText(record))
      }
      dirty.clear()
    },
  }
}
