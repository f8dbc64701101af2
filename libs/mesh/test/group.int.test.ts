/**
 * A group of instances sharing sensors (DESIGN.md §12, issue 13), on a real broker: a counting service
 * whose per-sensor state is the number of samples it handled and the last seq, so that every sample can
 * be checked to be handled exactly once across the group, and every moved state to have arrived whole.
 */
import { Type } from '@sinclair/typebox'
import { encodeText, rawTopic, sensorsTopic } from '@sluice/contract'
import mqtt, { type MqttClient } from 'mqtt'
import { waitFor } from '@sluice/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createSensorIntake,
  sensorIntakeConfigFields,
  startService,
  type ServiceDefinition,
  type ServiceHandle,
} from '../src/internal.js'
import { brokerKinds, type TestBroker } from './brokers.js'

const schema = Type.Object({ ...sensorIntakeConfigFields })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Count {
  n: number
  last: number
}

/** The counting service; `handled` gets every (sensor, seq) any instance handles. */
function counter(handled: Map<string, number[]>, states: Map<string, Map<string, Count>>) {
  const def: ServiceDefinition<typeof schema> = {
    name: 'counter',
    configSchema: schema,
    create(ctx) {
      const state = new Map<string, Count>()
      states.set(ctx.instance, state)
      createSensorIntake(ctx, {
        qos: 1,
        queue: { capacity: 50_000, policy: 'block' },
        devices: ctx.config.devices,
        maxSensors: ctx.config.maxSensors,
        units: {
          kind: 'sensor',
          exportUnit: (key) => {
            const s = state.get(key)
            state.delete(key)
            return s
          },
          importUnit: (key, s) => void state.set(key, s as Count),
        },
        handle: (key, samples) => {
          const c = state.get(key) ?? { n: 0, last: 0 }
          for (const s of samples) {
            c.n++
            c.last = s.seq
          }
          state.set(key, c)
          const list = handled.get(key) ?? []
          list.push(...samples.map((s) => s.seq))
          handled.set(key, list)
        },
      })
      return { start: () => Promise.resolve(), stop: () => Promise.resolve() }
    },
  }
  return def
}

const DEVICES = 10
const CHANNELS = 3
const sensors = Array.from({ length: DEVICES * CHANNELS }, (_, i) => ({
  device: `dev-${Math.floor(i / CHANNELS)}`,
  channel: `ch-${i % CHANNELS}`,
}))

/** Publishes the registry records, as the serial bridge does. */
async function announce(c: MqttClient): Promise<void> {
  for (let d = 0; d < DEVICES; d++) {
    const device = `dev-${d}`
    const channels = Array.from({ length: CHANNELS }, (_, c) => `ch-${c}`)
    await c.publishAsync(
      sensorsTopic('sluice', 'serial-bridge', 'b1', device),
      encodeText({ device, channels, t: Date.now() }),
      { qos: 1, retain: true },
    )
  }
}

/** Publishes one sample of every sensor every `periodMs` until stopped; returns the last seq sent. */
function stream(c: MqttClient, periodMs: number) {
  let seq = 0
  let running = true
  const done = (async () => {
    while (running) {
      seq++
      const t = Date.now()
      await Promise.all(
        sensors.map((s) =>
          c.publishAsync(
            rawTopic('sluice', s.device, s.channel),
            JSON.stringify({ seq, t, value: seq, ingest: t }),
            { qos: 1 },
          ),
        ),
      )
      await sleep(periodMs)
    }
  })()
  return {
    async stop(): Promise<number> {
      running = false
      await done
      return seq
    },
  }
}

for (const kind of brokerKinds()) {
  describe.skipIf(kind.unavailable !== undefined)(`a group sharing sensors on ${kind.name}`, () => {
    let broker: TestBroker
    let feeder: MqttClient
    let handles: ServiceHandle<typeof schema>[] = []
    const handled = new Map<string, number[]>()
    const states = new Map<string, Map<string, Count>>()

    beforeAll(async () => {
      broker = await kind.start()
    })
    afterAll(async () => {
      await broker.close()
    })
    afterEach(async () => {
      await Promise.allSettled(handles.map((h) => h.stop()))
      handles = []
      handled.clear()
      states.clear()
      await feeder.endAsync()
    })

    const start = (instance: string) =>
      startService(counter(handled, states), {
        argv: ['--broker', broker.url, '--logLevel', process.env['GROUP_LOG'] ?? 'silent'],
        overrides: {
          instance,
          metricsIntervalMs: 200,
          scaleOut: { settleMs: 300, overlapMs: 400, handoverTimeoutMs: 3000, checkpointMs: 300 },
        },
      }).then((h) => (handles.push(h), h))
    const groupOf = (h: ServiceHandle<typeof schema>) => h.metrics.collect().group
    const settled = (n: number) => () =>
      handles.length === n &&
      handles.every((h) => groupOf(h)?.members.length === n && groupOf(h)?.owned !== undefined)

    /** Every seq 1..last of every sensor handled exactly once, and the state of each sensor whole. */
    function expectExactlyOnce(last: number): void {
      for (const s of sensors) {
        const key = `${s.device}/${s.channel}`
        const seqs = [...(handled.get(key) ?? [])].sort((a, b) => a - b)
        expect(seqs, key).toEqual(Array.from({ length: last }, (_, i) => i + 1))
        const owners = [...states.values()].filter((m) => m.has(key))
        expect(owners.length, `${key} owners`).toBe(1)
        expect(owners[0]!.get(key)).toEqual({ n: last, last })
      }
    }

    it('gives every sensor to exactly one of 3 instances, each subscribed only to its own', async () => {
      feeder = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
      await announce(feeder)
      await Promise.all(['g1', 'g2', 'g3'].map(start))
      await waitFor(settled(3), { timeout: 15_000, message: '3 members' })
      await waitFor(
        () => handles.reduce((a, h) => a + (groupOf(h)?.owned ?? 0), 0) === sensors.length,
        { timeout: 10_000, message: 'every sensor owned' },
      )
      const rawFilters = (h: ServiceHandle<typeof schema>) =>
        (h.metrics.collect().hops['raw']?.topic ?? '')
          .split(',')
          .filter((f) => f.endsWith('/raw') && f.split('/').length === 4)
      await waitFor(() => handles.every((h) => rawFilters(h).length === groupOf(h)!.owned), {
        timeout: 10_000,
        message: 'subscriptions to follow ownership',
      })
      const owned = handles.map((h) => groupOf(h)!.owned)
      expect(Math.max(...owned) / (sensors.length / 3)).toBeLessThanOrEqual(1.5)
      for (const h of handles) {
        expect(rawFilters(h).some((f) => f.includes('+'))).toBe(false)
      }
      await sleep(300)
      const feed = stream(feeder, 20)
      await sleep(1500)
      const last = await feed.stop()
      await waitFor(() => [...handled.values()].flat().length === last * sensors.length, {
        timeout: 15_000,
      })
      expectExactlyOnce(last)
    })

    it('hands sensors to a joiner and back from a leaver with their state, each sample once', async () => {
      feeder = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
      await announce(feeder)
      await Promise.all(['h1', 'h2'].map(start))
      await waitFor(settled(2), { timeout: 15_000, message: '2 members' })
      await sleep(300)
      const feed = stream(feeder, 20)
      await sleep(800)
      await start('h3')
      await waitFor(settled(3), { timeout: 15_000, message: '3 members' })
      await sleep(1500)
      const leaver = handles.find((h) => h.context.instance === 'h1')!
      await leaver.stop()
      handles = handles.filter((h) => h !== leaver)
      await waitFor(settled(2), { timeout: 15_000, message: '2 members again' })
      await sleep(1500)
      const last = await feed.stop()
      await waitFor(() => [...handled.values()].flat().length >= last * sensors.length, {
        timeout: 10_000,
        message: 'every sample handled',
      }).catch((err: unknown) => {
        for (const s of sensors) {
          const key = `${s.device}/${s.channel}`
          const seqs = new Set(handled.get(key) ?? [])
          const miss = []
          for (let q = 1; q <= last; q++) if (!seqs.has(q)) miss.push(q)
          if (miss.length > 0)
            console.log('MISSING', key, miss.length, miss.slice(0, 5), miss.at(-1))
        }
        console.log(JSON.stringify(handles.map((h) => groupOf(h))))
        throw err
      })
      await sleep(300)
      states.delete('h1')
      expectExactlyOnce(last)
      const sent = handles.reduce((a, h) => a + groupOf(h)!.handovers.received, 0)
      expect(sent).toBeGreaterThan(0)
      for (const h of handles) expect(groupOf(h)!.lost).toBe(0)
    })

    it('takes over the sensors of a crashed instance and counts what it missed', async () => {
      feeder = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
      await announce(feeder)
      await Promise.all(['k1', 'k2', 'k3'].map(start))
      await waitFor(settled(3), { timeout: 15_000, message: '3 members' })
      await sleep(300)
      const feed = stream(feeder, 20)
      await sleep(1200)
      const victim = handles.find((h) => h.context.instance === 'k1')!
      const victimKeys = new Set(states.get('k1')!.keys())
      await victim.kill()
      handles = handles.filter((h) => h !== victim)
      await waitFor(settled(2), { timeout: 15_000, message: '2 members after the crash' })
      await sleep(1500)
      const last = await feed.stop()
      await sleep(500)
      let missing = 0
      for (const s of sensors) {
        const key = `${s.device}/${s.channel}`
        const seqs = new Set(handled.get(key) ?? [])
        expect(seqs.has(last), `${key} covered again`).toBe(true)
        for (let q = 1; q <= last; q++) if (!seqs.has(q)) missing++
        if (!victimKeys.has(key)) expect(seqs.size, key).toBe(last)
      }
      const lost = handles.reduce((a, h) => a + groupOf(h)!.lost, 0)
      // Counted from the dead owner's last checkpoint: at least what nobody handled.
      expect(lost).toBeGreaterThanOrEqual(missing)
      expect(handles.reduce((a, h) => a + groupOf(h)!.handovers.fresh, 0)).toBe(victimKeys.size)
    })
  })
}
