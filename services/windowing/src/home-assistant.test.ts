import { describe, expect, it } from 'vitest'
import { deviceDiscovery, discoveryTopic } from './home-assistant.js'

const input = {
  discoveryPrefix: 'homeassistant',
  prefix: 'sluice',
  device: 'esp1',
  channels: ['temp', 'hum'],
  windows: ['t5s'],
  statusTopic: 'sluice/_sys/windowing/w1/status',
  version: '0.1.0',
  offDelayS: 60,
}

describe('Home Assistant device discovery', () => {
  // The shape Home Assistant documents for device-based discovery
  // (https://www.home-assistant.io/integrations/mqtt/#device-discovery-payload): the topic
  // <prefix>/device/<object_id>/config; `dev` and `o` at the root (required); shared options limited to
  // availability, origin, state/command topic, qos and encoding; each component under `cmps` with a
  // platform `p` and a `unique_id`; ids of [a-zA-Z0-9_-].
  it('has the documented topic and root keys', () => {
    const { topic, payload } = deviceDiscovery(input)
    expect(topic).toBe('homeassistant/device/sluice_sluice_esp1/config')
    expect(topic).toMatch(/^homeassistant\/device\/[a-zA-Z0-9_-]+\/config$/)
    expect(Object.keys(payload).sort()).toEqual(['availability', 'cmps', 'dev', 'o', 'qos'])
    expect(payload.dev).toEqual({ ids: ['sluice_sluice_esp1'], name: 'esp1', mf: 'Sluice' })
    expect(payload.o).toEqual({ name: 'sluice', sw: '0.1.0' })
    expect(payload.availability).toEqual([
      {
        topic: 'sluice/_sys/windowing/w1/status',
        value_template: '{{ value_json.state }}',
        payload_available: 'online',
        payload_not_available: 'offline',
      },
    ])
  })

  it('gives each channel window sensors and an anomaly binary sensor, each with p and unique_id', () => {
    const { payload } = deviceDiscovery(input)
    const ids = Object.keys(payload.cmps)
    expect(ids).toHaveLength(2 * (3 + 1))
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/)
    const uniques = new Set(Object.values(payload.cmps).map((c) => c.unique_id))
    expect(uniques.size).toBe(ids.length)
    expect(payload.cmps.temp_t5s_mean).toMatchObject({
      p: 'sensor',
      state_topic: 'sluice/esp1/temp/window/t5s',
      value_template: '{{ (value_json if value_json is mapping else value_json | last).mean }}',
    })
    expect(payload.cmps.hum_anomaly).toMatchObject({
      p: 'binary_sensor',
      state_topic: 'sluice/esp1/hum/anomaly',
      device_class: 'problem',
      off_delay: 60,
    })
  })

  it('makes one object id per prefix and device, valid for Home Assistant', () => {
    expect(discoveryTopic('ha', 'site-1/sluice', 'esp1')).toBe(
      'ha/device/sluice_site-1_sluice_esp1/config',
    )
  })
})
