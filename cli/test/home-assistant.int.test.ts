/**
 * Home Assistant discovery (services/windowing/src/home-assistant.ts) against a real Mosquitto: with
 * `homeAssistant.enabled`, the windowing service publishes one retained device config for a device whose
 * two channels arrive by mosquitto_pub, and `mosquitto_sub`, subscribing afterwards, reads it retained and
 * well-formed (the device-based shape Home Assistant documents).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { rawTopic, statusTopic } from '@sluice/contract'
import { startService } from '@sluice/mesh'
import { findProgram, startMosquitto, type RunningMosquitto } from '@sluice/testkit'
import { windowingService } from '@sluice/windowing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const mosquitto = findProgram('mosquitto')
const pub = findProgram('mosquitto_pub')
const sub = findProgram('mosquitto_sub')
const available = mosquitto.available && pub.path !== undefined && sub.path !== undefined
if (!available)
  console.warn(`skipping Home Assistant discovery: ${mosquitto.skip ?? 'clients missing'}`)

describe.skipIf(!available)('Home Assistant discovery read by mosquitto_sub', () => {
  let broker: RunningMosquitto
  let svc: { stop(): Promise<unknown> }
  beforeAll(async () => {
    broker = await startMosquitto()
    svc = await startService(windowingService, {
      argv: ['--broker', broker.url, '--logLevel', 'warn', '--homeAssistant.enabled', 'true'],
      overrides: { instance: 'ha-w', windows: { c2: { type: 'count', size: 2, stride: 2 } } },
    })
  })
  afterAll(async () => {
    await svc.stop()
    await broker.stop()
  })

  it('retains one well-formed config for a 2-channel device', async () => {
    const mq = ['-h', '127.0.0.1', '-p', String(broker.port)]
    for (const channel of ['temp', 'hum'])
      await run(pub.path!, [
        ...mq,
        '-q',
        '1',
        '-t',
        rawTopic('sluice', 'esp-ha', channel),
        '-m',
        '21',
      ])
    const topic = 'homeassistant/device/sluice_sluice_esp-ha/config'
    // Retained: a subscriber that comes later still gets it, and it lists both channels (-v: topic first).
    let payload: Record<string, unknown> = {}
    for (let i = 0; i < 20; i++) {
      const { stdout } = await run(sub.path!, [
        ...mq,
        '-t',
        'homeassistant/device/+/config',
        '-v',
        '-C',
        '1',
        '-W',
        '5',
      ])
      const space = stdout.indexOf(' ')
      expect(stdout.slice(0, space)).toBe(topic)
      payload = JSON.parse(stdout.slice(space + 1)) as Record<string, unknown>
      if (Object.keys(payload.cmps as object).length === 8) break
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(Object.keys(payload).sort()).toEqual(['availability', 'cmps', 'dev', 'o', 'qos'])
    expect(payload.dev).toMatchObject({ ids: ['sluice_sluice_esp-ha'], name: 'esp-ha' })
    const cmps = payload.cmps as Record<
      string,
      { p: string; unique_id: string; state_topic: string }
    >
    expect(Object.keys(cmps).sort()).toEqual([
      'hum_anomaly',
      'hum_c2_max',
      'hum_c2_mean',
      'hum_c2_min',
      'temp_anomaly',
      'temp_c2_max',
      'temp_c2_mean',
      'temp_c2_min',
    ])
    for (const c of Object.values(cmps)) {
      expect(['sensor', 'binary_sensor']).toContain(c.p)
      expect(c.unique_id).toMatch(/^sluice_sluice_esp-ha_/)
    }
    expect(cmps.temp_c2_mean!.state_topic).toBe('sluice/esp-ha/temp/window/c2')
    const availability = (payload.availability as { topic: string }[])[0]!
    expect(availability.topic).toBe(statusTopic('sluice', 'windowing', 'ha-w'))
    // The availability topic it names is retained and online.
    const { stdout: status } = await run(sub.path!, [
      ...mq,
      '-t',
      availability.topic,
      '-C',
      '1',
      '-W',
      '5',
    ])
    expect(JSON.parse(status)).toMatchObject({ state: 'online' })
  })
})
