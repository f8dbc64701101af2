/**
 * The bridge's sensor registry (issue 13) on stock Aedes: one retained record per device it serves, with
 * the channels its raw topics use, for the simulator and a replayed file (whose channels come from its
 * header); published again after a reconnect, so a broker that lost it gets it back.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBroker, silentBrokerLogger } from '@sluice/broker'
import { decodeSensors, sensorsFilter, sensorsTopic, type SensorsRecord } from '@sluice/contract'
import {
  collectMessages,
  startAedes,
  tempDir,
  waitFor,
  type MessageCollector,
  type RunningAedes,
  type TempDir,
} from '@sluice/testkit'
import mqtt from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type RunningBridge } from './helpers.js'

/**
 * The retained records a fresh subscriber finds, decoded, by topic: once `count` have been published (a
 * subscriber that is already there when they are published gets them live, not retained).
 */
async function retainedRecords(url: string, count: number): Promise<Map<string, SensorsRecord>> {
  for (let attempt = 0; ; attempt++) {
    const sub = await collectMessages(url, sensorsFilter('sluice'), { qos: 1 })
    try {
      await waitFor(() => sub.messages.length >= count, {
        timeout: 5000,
        message: `${count} retained sensor records`,
      })
      if (sub.messages.every((m) => m.retain) || attempt >= 20) return decodeAll(sub)
    } finally {
      await sub.close()
    }
  }
}

function decodeAll(sub: MessageCollector): Map<string, SensorsRecord> {
  const out = new Map<string, SensorsRecord>()
  for (const m of sub.messages) {
    expect(m.retain, `${m.topic} is retained`).toBe(true)
    const r = decodeSensors(m.payload)
    if (!r.ok) throw r.error
    out.set(m.topic, r.value)
  }
  return out
}

describe('serial bridge: sensor registry', () => {
  let broker: RunningAedes
  let dir: TempDir
  let bridge: RunningBridge | undefined

  beforeAll(async () => {
    broker = await startAedes()
    dir = await tempDir('sluice-registry-')
  })
  afterEach(async () => {
    await bridge?.stop()
    bridge = undefined
  })
  afterAll(async () => {
    await broker.stop()
    await dir.remove()
  })

  it('announces each simulated device with its channels, retained, and again after a reconnect', async () => {
    bridge = await startBridge({
      broker: broker.url,
      instance: 'reg-sim',
      mode: 'sim',
      channels: 'light,temp',
      sim: { devices: 2, rateHz: 10 },
    })
    const records = await retainedRecords(broker.url, 2)
    expect([...records.keys()].sort()).toEqual([
      sensorsTopic('sluice', 'serial-bridge', 'reg-sim', 'sim-1'),
      sensorsTopic('sluice', 'serial-bridge', 'reg-sim', 'sim-2'),
    ])
    const sim2 = records.get(sensorsTopic('sluice', 'serial-bridge', 'reg-sim', 'sim-2'))!
    expect(sim2.device).toBe('sim-2')
    expect(sim2.channels).toEqual(['light', 'temp'])

    // Take the bridge's client id over (the broker drops the bridge) and clear the records, as a broker
    // restart without persistence would; the bridge reconnects and announces them again.
    const usurper = await mqtt.connectAsync(broker.url, {
      clientId: bridge.handle.context.transport.clientId,
      reconnectPeriod: 0,
    })
    for (const topic of records.keys())
      await usurper.publishAsync(topic, '', { qos: 1, retain: true })
    await usurper.endAsync()
    const again = await retainedRecords(broker.url, 2)
    expect([...again.values()].map((r) => r.device).sort()).toEqual(['sim-1', 'sim-2'])
    expect(bridge.bridge.registry.announced).toEqual(['light', 'temp'])
  })

  it("is let through by the Sluice broker's ACL: the bridge's own _sys subtree", async () => {
    const sluiceBroker = await startBroker({
      host: '127.0.0.1',
      port: 0,
      logger: silentBrokerLogger,
    })
    try {
      bridge = await startBridge({
        broker: sluiceBroker.url,
        instance: 'reg-acl',
        mode: 'sim',
        channels: 'current,pressure,flow',
        sim: { devices: 1, rateHz: 10 },
      })
      const records = await retainedRecords(sluiceBroker.url, 1)
      expect(
        records.get(sensorsTopic('sluice', 'serial-bridge', 'reg-acl', 'sim'))?.channels,
      ).toEqual(['current', 'pressure', 'flow'])
    } finally {
      await bridge?.stop()
      bridge = undefined
      await sluiceBroker.close()
    }
  })

  it('announces a replayed device with the channels of its file header', async () => {
    const file = join(dir.path, 'pump-7.csv')
    writeFileSync(file, 'timestamp,current,pressure\n2014-01-01 00:00:00,1.5,3\n')
    bridge = await startBridge({
      broker: broker.url,
      instance: 'reg-replay',
      mode: 'replay',
      replay: { file, speed: 0 },
    })
    const records = await retainedRecords(broker.url, 3)
    const pump = records.get(sensorsTopic('sluice', 'serial-bridge', 'reg-replay', 'pump-7'))
    expect(pump?.channels).toEqual(['current', 'pressure'])
  })
})
