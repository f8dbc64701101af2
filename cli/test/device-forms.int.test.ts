/**
 * Devices publishing straight to MQTT (issue 17, DESIGN.md §4): `mosquitto_pub` stands in for an ESP32 or
 * a Tasmota and sends every accepted form — a bare number, `{"value"}`, named fields on the device topic,
 * SenML packs on both topics — to a real Mosquitto and to our broker (there with a `device` credential);
 * the windowing and anomaly services turn them into windows and an anomaly event. On our broker, the
 * device credential publishing another device's topic is refused and counted.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { anomalyService } from '@sluice/anomaly'
import { addUser, startBroker, type RunningBroker } from '@sluice/broker'
import {
  decodeAnomaly,
  decodeWindows,
  deviceRawTopic,
  rawTopic,
  type WindowAggregate,
} from '@sluice/contract'
import { startService } from '@sluice/mesh'
import {
  collectMessages,
  findProgram,
  startMosquitto,
  tempDir,
  type MessageCollector,
  type RunningMosquitto,
  type TempDir,
} from '@sluice/testkit'
import { windowingService } from '@sluice/windowing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const mosquitto = findProgram('mosquitto')
const pub = findProgram('mosquitto_pub')
const available = mosquitto.available && pub.path !== undefined
if (!available)
  console.warn(`skipping device forms interop: ${mosquitto.skip ?? pub.skip ?? 'missing'}`)

interface Target {
  readonly url: string
  readonly port: number
  /** mosquitto_pub's credential flags. */
  readonly auth: readonly string[]
}

async function publish(target: Target, topic: string, message: string): Promise<void> {
  await run(pub.path!, [
    '-h',
    '127.0.0.1',
    '-p',
    String(target.port),
    ...target.auth,
    '-q',
    '1',
    '-t',
    topic,
    '-m',
    message,
  ])
}

/** The spike the anomaly test of mosquitto-interop uses: 60 steady readings and one far off at 50. */
const spikeValues = Array.from({ length: 60 }, (_, i) => (i === 50 ? 90 : 20 + ((i * 7) % 5) * 0.1))

/** Windowing and anomaly; with `users`, each logs in as the user named after its service. */
async function startServices(url: string, name: string, users = false) {
  const argv = ['--broker', url, '--logLevel', 'warn']
  const login = (svc: string) => (users ? { username: svc, password: `${svc} password` } : {})
  return [
    await startService(windowingService, {
      argv,
      overrides: {
        instance: `${name}-w`,
        windows: { c4: { type: 'count', size: 4, stride: 4 } },
        ...login('windowing'),
      },
    }),
    await startService(anomalyService, {
      argv,
      overrides: {
        instance: `${name}-a`,
        detector: { name: 'zscore', thresholds: { alert: 4 } },
        // The spike is reading 50: learn for 30 readings, not the default minute.
        learning: { samples: 30, ms: 0 },
        ...login('anomaly'),
      },
    }),
  ]
}

/** Sends every form for device `dev` and checks the windows and the anomaly event that come out. */
async function sendsEveryForm(target: Target, dev: string): Promise<void> {
  const out: MessageCollector = await collectMessages(
    target.url,
    [`sluice/${dev}/+/window/c4`, `sluice/${dev}/+/anomaly`],
    { qos: 1 },
  )
  try {
    for (const v of [1, 2, 3, 4]) {
      await publish(target, rawTopic('sluice', dev, 'bare'), String(v)) // a bare number
      await publish(target, rawTopic('sluice', dev, 'val'), JSON.stringify({ value: v * 10 }))
      // Named fields on the device topic, with a sequence number: one channel each.
      await publish(
        target,
        deviceRawTopic('sluice', dev),
        JSON.stringify({ seq: v, temp: v, hum: 40 + v }),
      )
    }
    // SenML on the channel topic (unnamed records, base value) and on the device topic (named by the
    // base name's last part), with relative times (RFC 8428 §4.5.3).
    await publish(
      target,
      rawTopic('sluice', dev, 'senml'),
      JSON.stringify([{ bv: 100, v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }]),
    )
    await publish(
      target,
      deviceRawTopic('sluice', dev),
      JSON.stringify(
        spikeValues.map((v, i) =>
          i === 0 ? { bn: `urn:dev:${dev}:spike`, v, t: -6 } : { v, t: -6 + i * 0.1 },
        ),
      ),
    )
    const windowTopic = (ch: string) => `sluice/${dev}/${ch}/window/c4`
    for (const ch of ['bare', 'val', 'temp', 'hum', 'senml', 'spike'])
      await out.waitForCount(1, { topic: windowTopic(ch), timeout: 20_000 })
    await out.waitForCount(1, { topic: `sluice/${dev}/spike/anomaly`, timeout: 20_000 })
    const first = (ch: string): WindowAggregate => {
      const m = out.messages.find((x) => x.topic === windowTopic(ch))!
      const w = decodeWindows(m.payload)
      if (!w.ok) throw w.error
      return w.value[0]!
    }
    expect(first('bare')).toMatchObject({ count: 4, mean: 2.5, min: 1, max: 4 })
    expect(first('val')).toMatchObject({ count: 4, mean: 25 })
    expect(first('temp')).toMatchObject({ count: 4, mean: 2.5, seqFrom: 1, seqTo: 4 })
    expect(first('hum')).toMatchObject({ count: 4, mean: 42.5 })
    expect(first('senml')).toMatchObject({ count: 4, mean: 102.5, min: 101 })
    // Stamped on receipt: event times are now, not 0.
    expect(first('bare').start).toBeGreaterThan(Date.now() - 120_000)
    const a = decodeAnomaly(out.messages.find((x) => x.topic.endsWith('/spike/anomaly'))!.payload)
    expect(a.ok && a.value).toMatchObject({ value: 90, kind: 'spike', detector: 'zscore' })
  } finally {
    await out.close()
  }
}

describe.skipIf(!available)('devices publishing directly, with mosquitto_pub', () => {
  describe('to Mosquitto', () => {
    let broker: RunningMosquitto
    const handles: { stop(): Promise<unknown> }[] = []
    beforeAll(async () => {
      broker = await startMosquitto()
      handles.push(...(await startServices(broker.url, 'mq')))
    })
    afterAll(async () => {
      for (const h of handles) await h.stop()
      await broker.stop()
    })

    it('turns every accepted form into windows and an anomaly event', async () => {
      await sendsEveryForm({ url: broker.url, port: broker.port, auth: [] }, 'esp-mq')
    })
  })

  describe('to our broker, with a device credential', () => {
    let broker: RunningBroker
    let dir: TempDir
    const handles: { stop(): Promise<unknown> }[] = []
    const device: Target['auth'] = ['-u', 'esp-1', '-P', 'device password']
    beforeAll(async () => {
      dir = await tempDir('sluice-device-')
      const passwordFile = join(dir.path, 'passwd')
      await addUser(passwordFile, 'esp-1', 'device password', 'device')
      // With users configured, a service's client id needs a credential of its role (issue 11, item 6).
      for (const svc of ['windowing', 'anomaly'])
        await addUser(passwordFile, svc, `${svc} password`, svc)
      broker = await startBroker({ port: 0, passwordFile })
      handles.push(...(await startServices(broker.url, 'ours', true)))
    })
    afterAll(async () => {
      for (const h of handles) await h.stop()
      await broker.close()
      await dir.remove()
    })

    it('turns every accepted form into windows and an anomaly event', async () => {
      await sendsEveryForm({ url: broker.url, port: broker.tcpPort, auth: device }, 'esp-1')
    })

    it("refuses and counts the device credential publishing another device's topics", async () => {
      const target = { url: broker.url, port: broker.tcpPort, auth: device }
      const seen = await collectMessages(broker.url, 'sluice/esp-2/#', { qos: 1 })
      const before = broker.metrics().messages.refused.acl
      await publish(target, rawTopic('sluice', 'esp-2', 'temp'), '21.5')
      await publish(target, deviceRawTopic('sluice', 'esp-2'), '{"temp":21.5}')
      expect(broker.metrics().messages.refused.acl).toBe(before + 2)
      // Its own topic still goes through, and nothing of the other device's arrived.
      await publish(target, rawTopic('sluice', 'esp-1', 'temp'), '21.5')
      expect(broker.metrics().messages.refused.acl).toBe(before + 2)
      await new Promise((r) => setTimeout(r, 200))
      expect(seen.messages).toEqual([])
      await seen.close()
    })
  })
})
