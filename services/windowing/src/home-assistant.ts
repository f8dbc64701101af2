/**
 * @module home-assistant
 * Home Assistant MQTT discovery, device-based (home-assistant/core#118757): one retained message per
 * device on `<discovery prefix>/device/<id>/config`, with the device (`dev`), the origin (`o`) and its
 * components (`cmps`), so Home Assistant shows every Sluice device with no configuration:
 * - per channel and window, sensors of the window's mean, min and max (state topic: the window topic);
 * - per channel, a binary sensor "anomaly", on for `offDelayS` after each anomaly event (the events
 *   carry no episode end, so Home Assistant's `off_delay` closes it);
 * - availability from the windowing instance's retained status topic (its last will says offline).
 *
 * The windowing service publishes it, because it is the one service that sees every sensor as it first
 * arrives and knows which windows it publishes for it; one publisher per device keeps one retained config
 * per device. Pure: it builds topics and payloads.
 * https://www.home-assistant.io/integrations/mqtt/#device-discovery-payload
 */
import { anomalyTopic, windowTopic } from '@sluice/contract'

/** What the discovery of one device is built from. */
export interface DiscoveryInput {
  readonly discoveryPrefix: string
  readonly prefix: string
  readonly device: string
  /** The device's channels seen so far. */
  readonly channels: readonly string[]
  /** The window names published for every channel. */
  readonly windows: readonly string[]
  /** The retained status topic of the publishing instance. */
  readonly statusTopic: string
  readonly version: string
  /** Seconds the anomaly binary sensor stays on after an event. */
  readonly offDelayS: number
}

/** One component of a device discovery payload. */
export interface DiscoveryComponent {
  readonly p: 'sensor' | 'binary_sensor'
  readonly unique_id: string
  readonly name: string
  readonly state_topic: string
  readonly value_template: string
  readonly [option: string]: unknown
}

/** The device discovery payload (abbreviated keys, as Home Assistant documents them). */
export interface DiscoveryPayload {
  readonly dev: { readonly ids: readonly string[]; readonly name: string; readonly mf: string }
  readonly o: { readonly name: string; readonly sw: string }
  readonly availability: readonly {
    readonly topic: string
    readonly value_template: string
    readonly payload_available: string
    readonly payload_not_available: string
  }[]
  readonly qos: number
  readonly cmps: Readonly<Record<string, DiscoveryComponent>>
}

/** Home Assistant object ids: `[a-zA-Z0-9_-]`; a multi-level prefix becomes `a_b`. */
const objectId = (...parts: string[]): string => parts.join('_').replace(/[^a-zA-Z0-9_-]/g, '_')

/** The discovery topic of one device. */
export function discoveryTopic(discoveryPrefix: string, prefix: string, device: string): string {
  return `${discoveryPrefix}/device/${objectId('sluice', prefix, device)}/config`
}

/**
 * Builds the retained discovery message of one device.
 *
 * @example
 * ```ts
 * const { topic, payload } = deviceDiscovery({ discoveryPrefix: 'homeassistant', prefix: 'sluice',
 *   device: 'esp1', channels: ['temp'], windows: ['t5s'], statusTopic, version: '0.1.0', offDelayS: 60 })
 * transport.publish(topic, JSON.stringify(payload), { qos: 1, retain: true })
 * ```
 */
export function deviceDiscovery(input: DiscoveryInput): {
  topic: string
  payload: DiscoveryPayload
} {
  const { prefix, device } = input
  const id = objectId('sluice', prefix, device)
  const cmps: Record<string, DiscoveryComponent> = {}
  for (const channel of [...input.channels].sort()) {
    for (const window of input.windows) {
      for (const stat of ['mean', 'min', 'max'] as const) {
        const cid = objectId(channel, window, stat)
        cmps[cid] = {
          p: 'sensor',
          unique_id: `${id}_${cid}`,
          name: `${channel} ${window} ${stat}`,
          state_topic: windowTopic(prefix, device, channel, window),
          // A batch (a JSON array, at high rates) shows its latest aggregate.
          value_template: `{{ (value_json if value_json is mapping else value_json | last).${stat} }}`,
          state_class: 'measurement',
        }
      }
    }
    const aid = objectId(channel, 'anomaly')
    cmps[aid] = {
      p: 'binary_sensor',
      unique_id: `${id}_${aid}`,
      name: `${channel} anomaly`,
      state_topic: anomalyTopic(prefix, device, channel),
      value_template: "{{ 'ON' if value_json.level is defined else 'OFF' }}",
      device_class: 'problem',
      off_delay: input.offDelayS,
      json_attributes_topic: anomalyTopic(prefix, device, channel),
    }
  }
  return {
    topic: discoveryTopic(input.discoveryPrefix, prefix, device),
    payload: {
      dev: { ids: [id], name: device, mf: 'Sluice' },
      o: { name: 'sluice', sw: input.version },
      availability: [
        {
          topic: input.statusTopic,
          value_template: '{{ value_json.state }}',
          payload_available: 'online',
          payload_not_available: 'offline',
        },
      ],
      qos: 1,
      cmps,
    },
  }
}
