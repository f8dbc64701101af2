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
import {
  connectRaw,
  connectRawPublisher,
  type RawPublisher,
  type RawSubscriber,
} from './raw-client.js'

const MESSAGES = 200_000
const SUBSCRIBERS = 3

describe('QoS 0 flood', () => {
  let broker: RunningBroker
  const clients: MqttClient[] = []
  const raws: (RawSubscriber | RawPublisher)[] = []

  beforeAll(async () => {
    broker = await startBroker({
      port: 0,
      metricsIntervalMs: 0,
      maxMessagesPerSecond: 0,
      anonymousRole: 'admin',
    })
  })

  afterAll(async () => {
    for (const raw of raws) raw.close()
    await Promise.all(clients.map((c) => c.endAsync(true)))
    await broker.close()
  })

  it(
    `delivers a ${MESSAGES / 1000} k message QoS 0 flood to ${SUBSCRIBERS} subscribers without crashing, every message accounted for`,
    { timeout: 120_000 },
    async () => {
      const subscribers: RawSubscriber[] = []
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const sub = await connectRaw(broker.tcpPort, `flood-sub-${i}`)
        raws.push(sub)
        subscribers.push(sub)
        await sub.subscribe('sluice/flood/+/raw', 0)
      }
      // Raw, pre-encoded PUBLISH packets, 10 000 per socket write: a harsher flood than a client
      // library makes, so each read hands Aedes thousands of packets at once.
      const pub = await connectRawPublisher(broker.tcpPort, 'flood-pub')
      raws.push(pub)
      const payload = Buffer.from('1234,567')
      for (let i = 0; i < MESSAGES; i += 10_000) {
        await pub.publish('sluice/flood/temp/raw', payload, 0, 10_000)
      }

      await waitFor(
        () => broker.metrics().messages.in === MESSAGES,
        90_000,
        'the broker to ingest the flood',
      )
      const drained = () =>
        subscribers.every((sub, i) => {
          const s = broker.metrics().subscribers.find((m) => m.clientId === `flood-sub-${i}`)
          return s !== undefined && s.queued === 0 && s.inflight === 0 && sub.received === s.out
        })
      await waitFor(drained, 60_000, 'every subscriber to drain')
      for (const [i, sub] of subscribers.entries()) {
        const s = broker.metrics().subscribers.find((m) => m.clientId === `flood-sub-${i}`)!
        expect(s.in).toBe(MESSAGES)
        expect(sub.received + s.dropped).toBe(MESSAGES)
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
