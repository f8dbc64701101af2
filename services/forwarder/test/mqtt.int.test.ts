/**
 * The cloud MQTT sink against a real Mosquitto started by the test (standing in for a hosted broker):
 * selected topics are republished under a prefix at QoS 1 with their payloads intact, and while the
 * remote broker is unreachable the data waits in the spool and is delivered, in order, once it is up;
 * over TLS the configured CA is used, and an unknown certificate is a clear error with the data kept.
 */
import { execFile } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startBroker, type RunningBroker } from '@sluice/broker'
import { anomalyTopic, rawTopic, windowTopic } from '@sluice/contract'
import { startService } from '@sluice/mesh'
import {
  collectMessages,
  findProgram,
  freePort,
  requireProgram,
  startMosquitto,
  tempDir,
  waitFor,
} from '@sluice/testkit'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { forwarderService } from '../src/index.js'
import { anomalyEvent, mqttSink, rawSample, windowAggregate } from './helpers.js'

const mosquitto = findProgram('mosquitto')
const openssl = requireProgram('openssl', ['/usr/bin/openssl'])
const run = promisify(execFile)

/** A throwaway CA and a server certificate for localhost / 127.0.0.1 (P-256 keys: fast to make). */
async function makeCerts(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const bin = openssl.path!
  const f = (n: string): string => join(dir, n)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await run(bin, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '1',
    '-subj',
    '/CN=sluice-test-ca',
  ])
  await run(bin, [
    'req',
    ...ec,
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=localhost',
  ])
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  await run(bin, [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '1',
    '-extfile',
    f('ext.cnf'),
  ])
  // Mosquitto started as root drops to the `mosquitto` user: it must be able to read these (test-only keys).
  chmodSync(dir, 0o755)
  for (const n of ['ca.crt', 'server.crt', 'server.key']) chmodSync(f(n), 0o644)
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') }
}

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

  async function startForwarder(
    instance: string,
    url: string,
    extra: Record<string, unknown> = {},
  ) {
    const dir = await tempDir('sluice-fwd-mqtt-')
    cleanup.push(() => dir.remove())
    const fwd = await startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance,
        // Each forwarder here has sink settings of its own: a group of its own too, or the instances
        // of one group would share the sink between them (DESIGN.md §12).
        group: instance,
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
            ...extra,
          }),
        ],
      },
    })
    cleanup.push(async () => {
      await fwd.stop()
    })
    return fwd
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

  it.skipIf(!openssl.available)(
    'connects over TLS with the configured CA, and refuses an unknown certificate with a clear error, keeping the data',
    async () => {
      const dir = await tempDir('sluice-fwd-tls-')
      cleanup.push(() => dir.remove())
      const certs = await makeCerts(dir.path)
      const tlsPort = await freePort()
      const mosq = await startMosquitto({
        config: [
          `listener ${tlsPort} 127.0.0.1`,
          `cafile ${certs.ca}`,
          `certfile ${certs.cert}`,
          `keyfile ${certs.key}`,
        ],
      })
      cleanup.push(() => mosq.stop())
      const sub = await collectMessages(mosq.url, 'site-a/#', { qos: 1 })
      cleanup.push(() => sub.close())
      const tlsUrl = `mqtts://localhost:${tlsPort}`
      const good = await startForwarder('tls-ok', tlsUrl, {
        caFile: certs.ca,
        topicPrefix: 'site-a',
      })
      const bad = await startForwarder('tls-bad', tlsUrl, { topicPrefix: 'site-b' })
      for (let i = 0; i < 5; i++)
        await pub.publishAsync(
          anomalyTopic('sluice', 'tls', 'temp'),
          JSON.stringify(anomalyEvent(i)),
          { qos: 1 },
        )
      await sub.waitForCount(5, { timeout: 10_000 })
      expect(sub.messages.map((m) => m.topic)).toEqual(
        Array.from({ length: 5 }, () => 'site-a/sluice/tls/temp/anomaly'),
      )
      const hop = await waitFor(
        () => {
          const h = bad.metrics.collect().hops.cloud
          return h?.sink?.lastError !== undefined ? h : undefined
        },
        { timeout: 10_000, message: 'the TLS error in the sink metrics' },
      )
      expect(hop.sink?.lastError).toMatch(/TLS certificate was not accepted .*check caFile/)
      expect(hop.state).toBe('critical')
      expect(hop.queue.length).toBe(5)
      // The good one's spool empties once the cloud broker's PUBACKs are in.
      await waitFor(() => good.metrics.collect().hops.cloud?.queue.length === 0, {
        timeout: 5000,
        message: 'an empty spool on the sink with the CA',
      })
    },
  )
})
