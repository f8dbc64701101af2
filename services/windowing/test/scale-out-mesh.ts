/**
 * The scale-out suites' mesh (windowing, issues 13 and 14): a feeder publishing one sample of every sensor
 * per period with the sensor registry, an observer of every aggregate, the instances, and the checks that
 * compare what was published with what one instance fed everything would publish.
 */
import {
  decodeWindows,
  encodeText,
  rawTopic,
  sensorsTopic,
  windowFilter,
  type WindowAggregate,
} from '@sluice/contract'
import type { GroupMetrics } from '@sluice/contract'
import { createMqttTransport, startService, type ServiceHandle, type Transport } from '@sluice/mesh'
import { waitFor } from '@sluice/testkit'
import { expect } from 'vitest'
import { windowingService } from '../src/index.js'
import { createSensorWindows } from '../src/internal.js'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const DEVICES = 100
const CHANNELS = 3
export type Sensor = { readonly device: string; readonly channel: string }
export const sensorsOf = (devices: number): Sensor[] =>
  Array.from({ length: devices * CHANNELS }, (_, i) => ({
    device: `d${String(Math.floor(i / CHANNELS))}`,
    channel: `c${String(i % CHANNELS)}`,
  }))
export const SENSORS = sensorsOf(DEVICES)
export const keyOf = (s: { device: string; channel: string }) => `${s.device}/${s.channel}`
const WINDOWS = {
  tumble: { type: 'count' as const, size: 8, stride: 8 },
  slide: { type: 'count' as const, size: 8, stride: 4 },
}
const T0 = Date.now()
/** Event time of sample `seq`: fixed, so the expected aggregates can be computed offline. */
const timeOf = (seq: number) => T0 + seq * 100

type Windowing = ServiceHandle<typeof windowingService.configSchema>
type Agg = WindowAggregate & { key: string }

/** How a mesh makes its feeder's and observer's connections: MQTT unless told otherwise. */
export type MakeTransport = (url: string, clientId: string) => Transport
export const mqttTransport: MakeTransport = (url, clientId) =>
  createMqttTransport({ url, clientId })

/** One test's mesh: a broker, a feeder, an observer of every aggregate, and the instances. */
export function createMesh(
  url: () => string,
  sensors: readonly Sensor[] = SENSORS,
  make: MakeTransport = mqttTransport,
  overrides: Record<string, unknown> = {},
) {
  const instances: Windowing[] = []
  const aggregates: Agg[] = []
  let feeder: Transport | undefined
  let observer: Transport | undefined
  let seq = 0
  let feeding: Promise<void> | undefined
  let running = false

  const start = (instance: string) =>
    startService(windowingService, {
      argv: ['--broker', url(), '--logLevel', process.env['SO_LOG'] ?? 'silent'],
      overrides: {
        instance,
        windows: structuredClone(WINDOWS),
        idleAfterMs: 0,
        metricsIntervalMs: 250,
        scaleOut: { settleMs: 400, overlapMs: 600, handoverTimeoutMs: 4000, checkpointMs: 500 },
        ...overrides,
      },
    }).then((h) => (instances.push(h), h))

  async function connect(): Promise<void> {
    // Our broker lets `sluice-serial-bridge-*` publish raw samples and registry records (its ACL).
    await feeder?.close({ graceful: false })
    await observer?.close({ graceful: false })
    feeder = make(url(), 'sluice-serial-bridge-feed')
    observer = make(url(), 'scale-observer')
    observer.onMessage((m, ack) => {
      // A message the engine delivered again after it was taken (NATS failover): a hop counts it.
      if (m.duplicate === true) return ack()
      const r = decodeWindows(m.payload)
      const key = m.topic.split('/').slice(1, 3).join('/')
      for (const agg of r.ok ? r.value : []) aggregates.push({ ...agg, key })
      ack()
    })
    await feeder.connect()
    await observer.connect()
    await observer.subscribe(windowFilter('sluice'), 1)
    for (const device of new Set(sensors.map((s) => s.device))) {
      const channels = sensors.filter((s) => s.device === device).map((s) => s.channel)
      const record = { device, channels, t: Date.now() }
      await feeder.publish(
        sensorsTopic('sluice', 'serial-bridge', 'feed', device),
        encodeText(record),
        {
          qos: 1,
          retain: true,
        },
      )
    }
  }

  /** One sample of every sensor every `periodMs`, at QoS 1. */
  function feed(periodMs: number): void {
    running = true
    feeding = (async () => {
      while (running) {
        seq++
        const now = Date.now()
        const payload = JSON.stringify({ seq, t: timeOf(seq), value: seq % 17, ingest: now })
        await Promise.all(
          sensors.map((s) =>
            feeder!.publish(rawTopic('sluice', s.device, s.channel), payload, { qos: 1 }),
          ),
        )
        await sleep(periodMs)
      }
    })()
  }

  return {
    sensors,
    instances,
    aggregates,
    start,
    connect,
    feed,
    get seq() {
      return seq
    },
    async stopFeed(): Promise<number> {
      running = false
      await feeding
      return seq
    },
    groups: (): GroupMetrics[] => instances.map((h) => h.metrics.collect().group!),
    async close(): Promise<void> {
      running = false
      await feeding
      await Promise.allSettled(instances.map((h) => h.stop()))
      await feeder?.close({ graceful: false })
      await observer?.close({ graceful: false })
    },
  }
}
export type Mesh = ReturnType<typeof createMesh>

/**
 * True once `n` instances each see `n` members and own every sensor between them, once (generations
 * are counted by each member, so they are not compared).
 */
export function settled(mesh: Mesh, n: number): boolean {
  const g = mesh.groups()
  return (
    g.length === n &&
    g.every((x) => x.members.length === n) &&
    g.reduce((a, x) => a + x.owned, 0) === mesh.sensors.length
  )
}

/** The aggregates one instance fed every sample 1..last of every sensor would publish. */
export function expectedAggregates(
  sensors: readonly Sensor[],
  last: number,
): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const windows = createSensorWindows(WINDOWS, (key, a) => {
    const list = out.get(key) ?? []
    list.push(
      `${a.window} ${String(a.seqFrom)}-${String(a.seqTo)} ${String(a.count)} ${a.mean.toFixed(6)}`,
    )
    out.set(key, list)
  })
  for (const s of sensors) {
    const samples = Array.from({ length: last }, (_, i) => {
      const seq = i + 1
      return { seq, t: timeOf(seq), value: seq % 17, ingest: 0 }
    })
    windows.push(keyOf(s), samples)
  }
  return out
}

/** What the observer got, in the same form, for the windows that close by `last`. */
function publishedAggregates(mesh: Mesh): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const a of mesh.aggregates) {
    const list = out.get(a.key) ?? []
    list.push(
      `${a.window} ${String(a.seqFrom)}-${String(a.seqTo)} ${String(a.count)} ${a.mean.toFixed(6)}`,
    )
    out.set(a.key, list)
  }
  for (const list of out.values()) list.sort()
  return out
}

export function expectSameAggregates(mesh: Mesh, last: number): void {
  const expected = expectedAggregates(mesh.sensors, last)
  const got = publishedAggregates(mesh)
  for (const s of mesh.sensors) {
    const key = keyOf(s)
    expect(got.get(key) ?? [], key).toEqual([...(expected.get(key) ?? [])].sort())
  }
}

/**
 * Three instances share the sensors while samples flow every `periodMs`; the second stops gracefully.
 * Its sensors move with their open windows: the aggregates equal one instance's fed everything, every
 * move is a handover with state, and nothing is lost.
 */
export async function leaveWithState(
  mesh: Mesh,
  ids: readonly [string, string, string],
  periodMs: number,
): Promise<void> {
  await Promise.all(ids.map((i) => mesh.start(i)))
  await waitFor(() => settled(mesh, 3), {
    timeout: 15_000,
    message: '3 instances to share the sensors',
  })
  mesh.feed(periodMs)
  await sleep(1200)
  const leaver = mesh.instances.find((h) => h.context.instance === ids[1])!
  await leaver.stop()
  mesh.instances.splice(mesh.instances.indexOf(leaver), 1)
  await waitFor(() => settled(mesh, 2), {
    timeout: 15_000,
    message: 'the 2 others to take its sensors',
  })
  await sleep(1200)
  const last = await mesh.stopFeed()
  await sleep(1000)
  expectSameAggregates(mesh, last)
  const g = mesh.groups()
  expect(g.reduce((a, x) => a + x.handovers.received, 0)).toBeGreaterThan(0)
  expect(g.reduce((a, x) => a + x.handovers.fresh, 0)).toBe(0)
  expect(g.reduce((a, x) => a + x.lost, 0)).toBe(0)
}
