/**
 * The windowing and anomaly services against a real Mosquitto (DESIGN.md §1: any MQTT broker), and on NATS
 * JetStream (`--broker nats://…`) with nats-server's MQTT listener on, with Mosquitto's own clients on the
 * other side: `mosquitto_pub` injects raw samples that our services process, and `mosquitto_sub` reads what
 * they publish. On NATS the retained statuses live in a key-value bucket (docs/brokers.md), so an MQTT
 * client of the listener reads statuses live, not retained: that case runs on Mosquitto only.
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { anomalyService } from '@sluice/anomaly'
import {
  anomalyTopic,
  decodeAnomaly,
  decodeStatus,
  decodeWindow,
  rawTopic,
  statusTopic,
  windowTopic,
} from '@sluice/contract'
import { startService } from '@sluice/mesh'
import { findProgram, startMosquitto, startNatsServer } from '@sluice/testkit'
import { windowingService } from '@sluice/windowing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const mosquitto = findProgram('mosquitto')
const pub = findProgram('mosquitto_pub')
const sub = findProgram('mosquitto_sub')
const nats = findProgram('nats-server')
const clients = pub.path !== undefined && sub.path !== undefined
if (!clients) console.warn(`skipping MQTT interop: ${pub.skip ?? sub.skip ?? 'clients missing'}`)

/** Where the services connect, and the MQTT port Mosquitto's clients use. */
interface Engine {
  readonly serviceUrl: string
  readonly mqttPort: number
  stop(): Promise<void>
}

const engines = [
  {
    name: 'Mosquitto',
    available: mosquitto.available,
    retainedOverMqtt: true,
    async start(): Promise<Engine> {
      const m = await startMosquitto()
      return { serviceUrl: m.url, mqttPort: m.port, stop: () => m.stop() }
    },
  },
  {
    name: "NATS JetStream's MQTT listener",
    available: nats.available,
    retainedOverMqtt: false,
    async start(): Promise<Engine> {
      const n = await startNatsServer({ mqtt: true })
      return { serviceUrl: n.url, mqttPort: n.mqttPort!, stop: () => n.stop() }
    },
  },
]

/** Starts `mosquitto_sub -C count` and resolves with the payloads it printed. */
function subscribeWithMosquitto(
  port: number,
  topic: string,
  count: number,
): { ready: Promise<void>; done: Promise<string[]> } {
  // stdbuf: mosquitto_sub's stdout is block-buffered on a pipe; line buffering lets us see SUBACK at once.
  const p = spawn('stdbuf', [
    '-oL',
    sub.path!,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-t',
    topic,
    '-C',
    String(count),
    '-q',
    '1',
    '-W',
    '30',
    '-d',
  ])
  let out = ''
  let readyResolve: () => void = () => undefined
  const ready = new Promise<void>((r) => (readyResolve = r))
  p.stdout.on('data', (b: Buffer) => {
    out += b.toString()
    if (out.includes('SUBACK')) readyResolve()
  })
  // 'close', not 'exit': the last of stdout may still be unread when the process has exited.
  const done = new Promise<string[]>((resolve, reject) => {
    p.on('close', (code) => {
      const payloads = out.split('\n').filter((l) => l.startsWith('{'))
      if (code === 0 && payloads.length >= count) resolve(payloads)
      else
        reject(new Error(`mosquitto_sub exited ${code} with ${payloads.length} payloads:\n${out}`))
    })
  })
  return { ready, done }
}

for (const engine of engines)
  describe.skipIf(!clients || !engine.available)(
    `services on ${engine.name} with mosquitto_pub and mosquitto_sub`,
    () => {
      let broker: Engine
      const handles: { stop(): Promise<unknown> }[] = []

      beforeAll(async () => {
        broker = await engine.start()
        const argv = ['--broker', broker.serviceUrl, '--logLevel', 'warn']
        handles.push(
          await startService(windowingService, {
            argv,
            overrides: { instance: 'mq-w', windows: { c4: { type: 'count', size: 4, stride: 4 } } },
          }),
          await startService(anomalyService, {
            argv,
            overrides: {
              instance: 'mq-a',
              detector: { name: 'zscore', thresholds: { alert: 4 } },
              // The spike is sample 50 of a 60-sample batch: learn for 30 samples, not the default minute.
              learning: { samples: 30, ms: 0 },
            },
          }),
        )
      })

      afterAll(async () => {
        for (const h of handles) await h.stop()
        await broker.stop()
      })

      if (engine.retainedOverMqtt)
        it('publishes retained online status that mosquitto_sub can read', async () => {
          const { stdout } = await run(sub.path!, [
            '-h',
            '127.0.0.1',
            '-p',
            String(broker.mqttPort),
            '-t',
            statusTopic('sluice', 'windowing', 'mq-w'),
            '-C',
            '1',
            '-W',
            '10',
          ])
          const status = decodeStatus(stdout.trim())
          expect(status.ok && status.value.state).toBe('online')
        })

      it('turns samples injected with mosquitto_pub into a window aggregate read by mosquitto_sub', async () => {
        const s = subscribeWithMosquitto(
          broker.mqttPort,
          windowTopic('sluice', 'bench', 'light', 'c4'),
          1,
        )
        await s.ready
        const t0 = Date.now()
        for (const [i, v] of [10, 20, 30, 40].entries()) {
          await run(pub.path!, [
            '-h',
            '127.0.0.1',
            '-p',
            String(broker.mqttPort),
            '-q',
            '1',
            '-t',
            rawTopic('sluice', 'bench', 'light'),
            '-m',
            JSON.stringify({ seq: i, t: t0 + i, value: v, ingest: t0 + i }),
          ])
        }
        const [line] = await s.done
        const w = decodeWindow(line!)
        expect(w.ok).toBe(true)
        if (!w.ok) return
        expect(w.value).toMatchObject({
          window: 'c4',
          count: 4,
          mean: 25,
          min: 10,
          max: 40,
          seqFrom: 0,
          seqTo: 3,
          first: 10,
          last: 40,
        })
        expect(w.value.std).toBeCloseTo(Math.sqrt(500 / 3), 10)
      })

      it('reports a spike in a batch injected with mosquitto_pub as an anomaly event', async () => {
        const s = subscribeWithMosquitto(
          broker.mqttPort,
          anomalyTopic('sluice', 'bench', 'temp'),
          1,
        )
        await s.ready
        const n = 60
        const t0 = Date.now()
        const value = Array.from({ length: n }, (_, i) =>
          i === 50 ? 90 : 20 + ((i * 7) % 5) * 0.1,
        )
        const batch = {
          seq: value.map((_, i) => i),
          t: value.map((_, i) => t0 + i * 100),
          value,
          ingest: value.map((_, i) => t0 + i * 100),
        }
        await run(pub.path!, [
          '-h',
          '127.0.0.1',
          '-p',
          String(broker.mqttPort),
          '-q',
          '1',
          '-t',
          rawTopic('sluice', 'bench', 'temp'),
          '-m',
          JSON.stringify(batch),
        ])
        const [line] = await s.done
        const a = decodeAnomaly(line!)
        // The line itself when it is not an anomaly event: what mosquitto_sub printed.
        expect(a.ok, line).toBe(true)
        if (!a.ok) return
        expect(a.value).toMatchObject({
          seq: 50,
          value: 90,
          detector: 'zscore',
          kind: 'spike',
          level: 'very-unusual',
        })
      })
    },
  )
