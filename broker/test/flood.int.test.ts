/**
 * Aedes has crashed with "Maximum call stack size exceeded" under floods of small QoS 0 messages
 * (moscajs/aedes#77, #193; martin-doyle/node-red-contrib-aedes#72 shows the recursion through mqemitter's
 * `released` → `_do`). Our delivery path always releases the router on a fresh macrotask and pumps in a
 * loop, never by recursion; this floods 200 k messages from one publisher to several subscribers and
 * checks the broker survives with exact accounting.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBroker, type RunningBroker } from '../src/index.js'
import { waitFor } from './helpers.js'

const MESSAGES = 200_000
const SUBSCRIBERS = 3

describe('QoS 0 flood', () => {
  let broker: RunningBroker
  const clients: MqttClient[] = []

  beforeAll(async () => {
    broker = await startBroker({
      port: 0,
      metricsIntervalMs: 0,
      maxMessagesPerSecond: 0,
      anonymousRole: 'admin',
    })
  })

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)))
    await broker.close()
  })

  it(
    `delivers a ${MESSAGES / 1000} k message QoS 0 flood to ${SUBSCRIBERS} subscribers without crashing, every message accounted for`,
    {
      timeout: 120_000,
    },
    async () => {
      const received: number[] = []
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const sub = await mqtt.connectAsync(broker.url, {
          clientId: `flood-sub-${i}`,
          reconnectPeriod: 0,
        })
        clients.push(sub)
        received.push(0)
        sub.on('message', () => {
          received[i]!++
        })
        await sub.subscribeAsync('sluice/flood/+/raw', { qos: 0 })
      }
      const pub = await mqtt.connectAsync(broker.url, { clientId: 'flood-pub', reconnectPeriod: 0 })
      clients.push(pub)
      const payload = Buffer.from('1234,567')
      // As fast as mqtt.js can write: whole socket chunks of thousands of PUBLISH packets at a time.
      for (let i = 0; i < MESSAGES; i++) {
        pub.publish('sluice/flood/temp/raw', payload, { qos: 0 })
        if (i % 20_000 === 0) await new Promise((r) => setImmediate(r))
      }

      await waitFor(
        () => broker.metrics().messages.in === MESSAGES,
        90_000,
        'the broker to ingest the flood',
      )
      await waitFor(
        () =>
          broker
            .metrics()
            .subscribers.filter((s) => s.clientId.startsWith('flood-sub-'))
            .every(
              (s) =>
                s.queued === 0 &&
                s.inflight === 0 &&
                received[Number(s.clientId.slice(10))] === s.out,
            ),
        60_000,
        'every subscriber to drain',
      )
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const s = broker.metrics().subscribers.find((m) => m.clientId === `flood-sub-${i}`)!
        expect(s.in).toBe(MESSAGES)
        expect(received[i]! + s.dropped).toBe(MESSAGES)
      }

      // and the broker still serves new clients
      const probe = await mqtt.connectAsync(broker.url, { clientId: 'probe', reconnectPeriod: 0 })
      clients.push(probe)
      await probe.subscribeAsync('sluice/probe/x/raw')
      const got = new Promise<string>((resolve) =>
        probe.once('message', (_t, p) => resolve(p.toString())),
      )
      await probe.publishAsync('sluice/probe/x/raw', 'alive')
      expect(await got).toBe('alive')
    },
  )
})
