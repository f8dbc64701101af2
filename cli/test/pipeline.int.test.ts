/**
 * The mesh end to end (DESIGN.md §1), on the embedded broker and on NATS JetStream (`--broker nats://…`,
 * read through nats-server's own MQTT listener, as `mosquitto_sub` would): the serial bridge simulating
 * sensors with injected anomalies → windowing and anomaly → forwarder (file sink), every service a
 * separate client as in `sluice up`. Checks what a user relies on: every window aggregate equals a batch recomputation over
 * the raw samples it covers, every injected spike and level shift comes out as an anomaly event at its
 * position, status and metrics are present and valid, and the forwarder's file holds what was published.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { anomalyService } from '@sluice/anomaly'
import { startBroker, type RunningBroker } from '@sluice/broker'
import {
  decodeAnomaly,
  decodeMetrics,
  decodeRawSamples,
  decodeStatus,
  decodeWindows,
  parseTopic,
  type AnomalyEvent,
  type WindowAggregate,
} from '@sluice/contract'
import { forwarderService } from '@sluice/forwarder'
import { startService } from '@sluice/mesh'
import { serialBridgeService } from '@sluice/serial-bridge'
import { planAnomalies, type Sample } from '@sluice/stream'
import {
  KNOWN_PROGRAMS,
  collectMessages,
  requireProgram,
  startNatsServer,
  tempDir,
  waitFor,
  type MessageCollector,
  type TempDir,
} from '@sluice/testkit'
import { windowingService } from '@sluice/windowing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RATE = 200
const EVERY = 400
const SEED = 3
const DEVICES = ['sim-1', 'sim-2']
const CHANNELS = ['light', 'temp']
const RUN_MS = 10_000

/** Batch recomputation, the reference every window aggregate must equal. */
function batch(values: readonly number[]): {
  count: number
  mean: number
  std: number
  min: number
  max: number
} {
  const n = values.length
  const mean = values.reduce((a, b) => a + b, 0) / n
  const std = n < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1))
  return { count: n, mean, std, min: Math.min(...values), max: Math.max(...values) }
}

/** Where a run's services connect, where its observer reads (MQTT), and which services report. */
interface Engine {
  readonly url: string
  readonly observeUrl: string
  readonly services: readonly string[]
  close(): Promise<void>
}

const nats = requireProgram('nats-server', KNOWN_PROGRAMS['nats-server']?.candidates, { log: null })

const engines: { name: string; skip: string | undefined; start: () => Promise<Engine> }[] = [
  {
    name: 'the embedded broker',
    skip: undefined,
    async start() {
      const broker: RunningBroker = await startBroker({ port: 0 })
      const services = ['broker', 'serial-bridge', 'windowing', 'anomaly', 'forwarder']
      return { url: broker.url, observeUrl: broker.url, services, close: () => broker.close() }
    },
  },
  {
    name: 'NATS JetStream',
    skip: nats.available ? undefined : nats.skip,
    async start() {
      const server = await startNatsServer({ mqtt: true })
      const services = ['serial-bridge', 'windowing', 'anomaly', 'forwarder']
      return { url: server.url, observeUrl: server.mqttUrl!, services, close: () => server.stop() }
    },
  },
]

for (const engine of engines)
  describe.skipIf(engine.skip !== undefined)(`the mesh end to end on ${engine.name}`, () => {
    let broker: Engine
    let dir: TempDir
    let all: MessageCollector
    const raw = new Map<string, Sample[]>()
    const windows: { key: string; agg: WindowAggregate }[] = []
    const anomalies: { key: string; ev: AnomalyEvent }[] = []

    beforeAll(async () => {
      broker = await engine.start()
      dir = await tempDir('sluice-e2e-')
      all = await collectMessages(broker.observeUrl, ['sluice/#'], { qos: 1 })
      const argv = ['--broker', broker.url, '--logLevel', 'warn', '--metricsIntervalMs', '500']
      const consumers = [
        await startService(windowingService, {
          argv,
          overrides: {
            instance: 'e2e',
            windows: {
              c50: { type: 'count', size: 50, stride: 25 },
              t1s: { type: 'time', length: 1000, every: 500, allowedLateness: 0 },
            },
          },
        }),
        // The rolling z-score: the simulator's spikes and shifts are contextual (inside the sine's range),
        // which the default novelty detector by design does not flag (docs/anomaly.md).
        await startService(anomalyService, {
          argv,
          overrides: {
            instance: 'e2e',
            detector: { name: 'zscore', thresholds: { unusual: 2, veryUnusual: 3, alert: 4 } },
            // The first anomaly comes 2 s in: learn for 100 samples (0.5 s), not the default minute.
            learning: { samples: 100, ms: 0 },
          },
        }),
        await startService(forwarderService, {
          argv,
          overrides: { instance: 'e2e', dataDir: dir.path },
        }),
      ]
      const bridge = await startService(serialBridgeService, {
        argv: [
          ...argv,
          '--mode',
          'sim',
          '--channels',
          CHANNELS.join(','),
          '--sim.devices',
          String(DEVICES.length),
          '--sim.rateHz',
          String(RATE),
          '--sim.anomalyEvery',
          String(EVERY),
          '--sim.seed',
          String(SEED),
        ],
        overrides: { instance: 'e2e' },
      })
      await new Promise((r) => setTimeout(r, RUN_MS))
      // Producer first, then the consumers drain, as `sluice up` stops them.
      await bridge.stop()
      for (const c of consumers) await c.stop()
      await waitFor(
        () =>
          all.messages.some(
            (m) =>
              m.topic.includes('/_sys/forwarder/') &&
              m.topic.endsWith('status') &&
              m.payload.includes('offline'),
          ),
        { timeout: 10_000 },
      )

      for (const m of all.messages) {
        const t = parseTopic('sluice', m.topic)
        if (t === null) continue
        if (t.kind === 'raw') {
          const r = decodeRawSamples(m.payload)
          expect(r.ok).toBe(true)
          if (r.ok)
            raw.set(`${t.device}/${t.channel}`, [
              ...(raw.get(`${t.device}/${t.channel}`) ?? []),
              ...r.value,
            ])
        } else if (t.kind === 'window') {
          const w = decodeWindows(m.payload)
          expect(w.ok).toBe(true)
          const key = `${t.device}/${t.channel}`
          if (w.ok) for (const agg of w.value) windows.push({ key, agg })
        } else if (t.kind === 'anomaly') {
          const a = decodeAnomaly(m.payload)
          expect(a.ok).toBe(true)
          if (a.ok) anomalies.push({ key: `${t.device}/${t.channel}`, ev: a.value })
        }
      }
    }, 60_000)

    afterAll(async () => {
      await all.close()
      await broker.close()
      await dir.remove()
    })

    it('publishes every simulated sample once, in order, with no gap', () => {
      expect([...raw.keys()].sort()).toEqual(
        DEVICES.flatMap((d) => CHANNELS.map((c) => `${d}/${c}`)).sort(),
      )
      for (const [key, samples] of raw) {
        expect(samples.length, key).toBeGreaterThan(RATE * (RUN_MS / 1000) * 0.8)
        samples.forEach((s, i) => expect(s.seq, key).toBe(i))
      }
    })

    it('emits window aggregates equal to a batch recomputation over the samples they cover', () => {
      const count = windows.filter((w) => w.agg.window === 'c50')
      const time = windows.filter((w) => w.agg.window === 't1s')
      expect(count.length).toBeGreaterThan(4 * 50)
      expect(time.length).toBeGreaterThan(4 * 10)
      for (const { key, agg } of windows) {
        const samples = raw.get(key)!
        const covered =
          agg.window === 'c50'
            ? samples.filter((s) => s.seq >= agg.seqFrom && s.seq <= agg.seqTo)
            : samples.filter((s) => s.t >= agg.start && s.t < agg.end)
        const ref = batch(covered.map((s) => s.value))
        expect(agg.count, `${key} ${agg.window} ${agg.seqFrom}`).toBe(ref.count)
        expect(agg.mean).toBeCloseTo(ref.mean, 6)
        expect(agg.std).toBeCloseTo(ref.std, 6)
        expect(agg.min).toBe(ref.min)
        expect(agg.max).toBe(ref.max)
        expect(agg.first).toBe(covered[0]!.value)
        expect(agg.last).toBe(covered[covered.length - 1]!.value)
        if (agg.window === 'c50') expect(agg.count).toBe(50)
      }
    })

    it('reports every injected spike and level shift as an anomaly event at its position', () => {
      let checked = 0
      DEVICES.forEach((device, d) => {
        CHANNELS.forEach((channel, c) => {
          const key = `${device}/${channel}`
          const last = raw.get(key)!.length - 1
          // The bridge's simulator plans its anomalies this way (services/serial-bridge sim-source).
          const planned = planAnomalies({
            seed: SEED * 7919 + d * 131 + c,
            count: 1000,
            from: EVERY,
            to: EVERY * 1001,
            magnitude: { spike: 150, shift: 80, drift: 80 },
            alternate: true,
          }).filter((a) => a.at <= last - 5 && a.kind !== 'drift')
          expect(planned.length, key).toBeGreaterThan(0)
          const events = anomalies.filter((a) => a.key === key).map((a) => a.ev)
          for (const a of planned) {
            const hit = events.find((e) => e.seq >= a.at && e.seq <= a.at + 3)
            expect(hit, `${key}: ${a.kind} at seq ${a.at}`).toBeDefined()
            expect(hit!.level).not.toBe('normal')
            checked++
          }
        })
      })
      expect(checked).toBeGreaterThanOrEqual(8)
    })

    it('publishes retained online status and valid metrics for every service', () => {
      const statuses = new Map<string, string>()
      const metricsFrom = new Set<string>()
      for (const m of all.messages) {
        const t = parseTopic('sluice', m.topic)
        if (t?.kind === 'status') {
          const s = decodeStatus(m.payload)
          expect(s.ok).toBe(true)
          if (s.ok && !statuses.has(t.service)) statuses.set(t.service, s.value.state)
        }
        if (t?.kind === 'metrics') {
          const r = decodeMetrics(m.payload)
          expect(r.ok, m.payload.toString().slice(0, 200)).toBe(true)
          if (r.ok) {
            metricsFrom.add(t.service)
            for (const h of Object.values(r.value.hops)) expect(h.in).toBeGreaterThanOrEqual(0)
          }
        }
      }
      for (const svc of broker.services) {
        expect(statuses.get(svc), svc).toBe('online')
        expect(metricsFrom.has(svc), svc).toBe(true)
      }
    })

    it('accounts for every sample at the windowing and anomaly hops: no unexplained loss', () => {
      const last = (svc: string) =>
        all.messages
          .filter((m) => m.topic.startsWith(`sluice/_sys/${svc}/`) && m.topic.endsWith('/metrics'))
          .map((m) => decodeMetrics(m.payload))
          .filter((r) => r.ok)
          .at(-1)
      for (const svc of ['windowing', 'anomaly']) {
        const m = last(svc)
        expect(m?.ok).toBe(true)
        if (!m?.ok) continue
        const hop = m.value.hops.raw!
        expect(hop.unexplainedLoss ?? 0).toBe(0)
        expect(hop.gaps ?? 0).toBe(0)
        expect(Object.values(hop.dropped).reduce((a, b) => a + b, 0)).toBe(0)
      }
    })

    it('forwards every window aggregate and anomaly event to the file sink', () => {
      const file = join(dir.path, 'forward.jsonl')
      expect(existsSync(file)).toBe(true)
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string })
      expect(lines.filter((l) => l.kind === 'window').length).toBe(windows.length)
      expect(lines.filter((l) => l.kind === 'anomaly').length).toBe(anomalies.length)
    })
  })
