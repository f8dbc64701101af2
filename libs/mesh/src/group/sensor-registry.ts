/**
 * @module group/sensor-registry
 * The sensors a group knows of (DESIGN.md §12): the union of the retained registry records (one per
 * publisher and device: the serial bridge's devices, and devices a lone member discovered publishing
 * directly), restricted to the devices this instance serves (config `devices`). The members of a group
 * assign these sensors; a member subscribes to the raw topics of those it owns, so it never needs to
 * see every sensor's traffic to learn which exist.
 */
import { sensorKey } from '@sluice/contract'

/** The sensors known to a group. */
export interface SensorRegistry {
  /**
   * Takes the record of `device` from `source` (its publisher): its channels replace what that source
   * said before. Returns true when the union gained a sensor.
   */
  apply(source: string, device: string, channels: readonly string[]): boolean
  /** Records a sensor seen in traffic; true when it was not known. */
  see(key: string): boolean
  has(key: string): boolean
  /** The known sensor keys of one device. */
  sensorsOf(device: string): string[]
  /** Every known sensor key. */
  keys(): IterableIterator<string>
  readonly size: number
}

/** Creates a registry for the devices in `devices` (`+` = all). */
export function createSensorRegistry(devices: readonly string[]): SensorRegistry {
  const all = devices.includes('+')
  const served = new Set(devices)
  const bySource = new Map<string, readonly string[]>()
  // How many sources name each sensor, so a record that drops a channel forgets it only if no one else names it.
  const named = new Map<string, number>()
  const byDevice = new Map<string, Set<string>>()
  const add = (device: string, key: string): void => {
    let set = byDevice.get(device)
    if (set === undefined) byDevice.set(device, (set = new Set()))
    set.add(key)
  }
  const remove = (device: string, key: string): void => {
    const set = byDevice.get(device)
    set?.delete(key)
    if (set?.size === 0) byDevice.delete(device)
  }
  return {
    apply(source, device, channels) {
      if (!all && !served.has(device)) return false
      const id = `${source}\u0000${device}`
      for (const c of bySource.get(id) ?? []) {
        const key = sensorKey(device, c)
        const n = (named.get(key) ?? 1) - 1
        if (n <= 0) {
          named.delete(key)
          remove(device, key)
        } else named.set(key, n)
      }
      bySource.set(id, channels)
      let gained = false
      for (const c of channels) {
        const key = sensorKey(device, c)
        const n = named.get(key) ?? 0
        if (n === 0) gained = true
        named.set(key, n + 1)
        add(device, key)
      }
      return gained
    },
    see(key) {
      if (named.has(key)) return false
      named.set(key, 1)
      add(key.slice(0, key.indexOf('/')), key)
      return true
    },
    sensorsOf: (device) => [...(byDevice.get(device) ?? [])],
    has: (key) => named.has(key),
    keys: () => named.keys(),
    get size() {
      return named.size
    },
  }
}
