/**
 * The cloud MQTT sink against a real Mosquitto started by the test (standing in for a hosted broker):
 * selected topics are republished under a prefix at QoS 1 with their payloads intact, and while the
 * remote broker is unreachable the data waits in the spool and is delivered, in order, once it is up.
 */
import { startBroker, type RunningBroker } from '@sluice/broker'
import { anomalyTopic, rawTopic, windowTopic } from '@sluice/contract'
import { startService } from '@sluice/mesh'
import {
  collectMessages,
  findProgram,
  freePort,
  startMosquitto,
  tempDir,
  waitFor,
} from '@sluice/testkit'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { forwarderService } from '../src/index.js'
import { anomalyEvent, mqttSink, rawSample, windowAggregate } from './helpers.js'

const mosquitto = findProgram('mosquitto')

describe.skipIf(!mosquitto.available)('forwarder → cloud MQTT (Mosquitto)', () => {
  let broker: RunningBroker
  let pub: MqttClient
  const cleanup: (() => Promise<void>)[] = []

  beforeAll(async () => {
    broker = await startBroker({ port: 0, anonymousRole: 'admin' })
    pub = await mqtt.connectAsync(broker.url, { clientId: 'mqtt-test-pub' })
  })
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })
  afterAll(async () => {
    await pub.endAsync()
    await broker.close()
  })

  async function startForwarder(instance: string, url: string): Promise<void> {
    const dir = await tempDir('sluice-fwd-mqtt-')
    cleanup.push(() => dir.remove())
    const fwd = await startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance,
        logLevel: 'silent',
        dataDir: dir.path,
        sinks: [
          mqttSink({
            name: 'cloud',
            url,
            topics: ['window', 'anomaly'],
            qos: 1,
            topicPrefix: 'site-a',
            clientId: `fwd-${instance}`,
            retryMaxMs: 500,
          }),
        ],
      },
    })
    cleanup.push(async () => {
      await fwd.stop()
    })
  }

  it('republishes the selected topics under the prefix, payloads intact, and nothing else', async () => {
    const mosq = await startMosquitto()
    cleanup.push(() => mosq.stop())
    const sub = await collectMessages(mosq.url, 'site-a/#', { qos: 1 })
    cleanup.push(() => sub.close())
    await startForwarder('mq1', mosq.url)
    const W = 30
    const A = 10
    for (let i = 0; i < W; i++) {
      await pub.publishAsync(
        windowTopic('sluice', 'uno', 'light', 'w5s'),
        JSON.stringify(windowAggregate(i)),
        { qos: 1 },
      )
      // Raw is not selected: it must not reach the cloud broker.
      await pub.publishAsync(rawTopic('sluice', 'uno', 'light'), JSON.stringify(rawSample(i)), {
        qos: 1,
      })
    }
    for (let i = 0; i < A; i++)
      await pub.publishAsync(
        anomalyTopic('sluice', 'uno', 'temp'),
        JSON.stringify(anomalyEvent(i)),
        { qos: 1 },
      )
    await sub.waitForCount(W + A, { timeout: 10_000 })
    await new Promise((r) => setTimeout(r, 300)) // anything extra would show up now
    const windows = sub.messages.filter((m) => m.topic === 'site-a/sluice/uno/light/window/w5s')
    const anomalies = sub.messages.filter((m) => m.topic === 'site-a/sluice/uno/temp/anomaly')
    expect(sub.messages).toHaveLength(W + A)
    expect(windows.map((m) => JSON.parse(m.payload.toString()) as unknown)).toEqual(
      Array.from({ length: W }, (_, i) => windowAggregate(i)),
    )
    expect(anomalies.map((m) => JSON.parse(m.payload.toString()) as unknown)).toEqual(
      Array.from({ length: A }, (_, i) => anomalyEvent(i)),
    )
    expect(sub.messages.every((m) => m.qos === 1)).toBe(true)
  })

  it('spools while the cloud broker is unreachable and delivers everything in order once it is up', async () => {
    const port = await freePort()
    await startForwarder('mq2', `mqtt://127.0.0.1:${port}`)
    const A = 50
    for (let i = 0; i < A; i++)
      await pub.publishAsync(
        anomalyTopic('sluice', 'dev2', 'temp'),
        JSON.stringify(anomalyEvent(i)),
        { qos: 1 },
      )
    await new Promise((r) => setTimeout(r, 1500)) // a few failed sends
    const mosq = await startMosquitto({ config: [`listener ${port} 127.0.0.1`] })
    cleanup.push(() => mosq.stop())
    const sub = await collectMessages(mosq.url, 'site-a/#', { qos: 1 })
    cleanup.push(() => sub.close())
    await waitFor(() => sub.messages.length >= A, {
      timeout: 15_000,
      message: `${A} messages at the cloud broker`,
    })
    expect(
      sub.messages.map((m) => (JSON.parse(m.payload.toString()) as { seq: number }).seq),
    ).toEqual(Array.from({ length: A }, (_, i) => anomalyEvent(i).seq))
  })
})
