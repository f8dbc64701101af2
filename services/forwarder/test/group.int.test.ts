/**
 * Two forwarder instances in one group (DESIGN.md §12, issue 13 item 5), on the embedded broker, with
 * four file sinks, each selecting the windows of its own device and every anomaly (a filter they all
 * share): each sink is run by exactly one instance, whose inbound hop holds only the filters of the sinks
 * it owns; every message published arrives in its sink's files (the union over the instances); and when
 * one instance stops gracefully, its sinks move to the other with nothing lost, messages published
 * throughout the move included.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBroker, type RunningBroker } from '@sluice/broker'
import { anomalyFilter, anomalyTopic, windowFilter, windowTopic } from '@sluice/contract'
import { startService, type ServiceHandle } from '@sluice/mesh'
import { tempDir, waitFor, type TempDir } from '@sluice/testkit'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { forwarderService, type ForwarderConfigSchema } from '../src/internal.js'
import { ownedSinks } from '../src/sink-group.js'
import { anomalyEvent, fileSink, windowAggregate } from './helpers.js'

type Forwarder = ServiceHandle<typeof ForwarderConfigSchema>

const DEVICES = ['dev-a', 'dev-b', 'dev-c', 'dev-d']
const sinkOf = (device: string) => `to-${device}`
const SINKS = DEVICES.map(sinkOf)
const INSTANCES = ['fwd-1', 'fwd-2']
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let broker: RunningBroker
let pub: MqttClient
const dirs = new Map<string, TempDir>()
const handles = new Map<string, Forwarder>()

beforeAll(async () => {
  broker = await startBroker({ port: 0, anonymousRole: 'admin' })
  pub = await mqtt.connectAsync(broker.url, { clientId: 'group-test-pub' })
})
afterEach(async () => {
  await Promise.allSettled([...handles.values()].map((h) => h.stop()))
  handles.clear()
  for (const d of dirs.values()) await d.remove()
  dirs.clear()
})
afterAll(async () => {
  await pub.endAsync()
  await broker.close()
})

/** Starts an instance, with its own data directory (spools and files). */
async function startForwarder(instance: string): Promise<Forwarder> {
  dirs.set(instance, await tempDir(`sluice-fwd-group-${instance}-`))
  return startService(forwarderService, {
    argv: ['--broker', broker.url],
    overrides: {
      instance,
      logLevel: 'silent',
      metricsIntervalMs: 200,
      scaleOut: { settleMs: 300, overlapMs: 400 },
      dataDir: dirs.get(instance)!.path,
      sinks: DEVICES.map((d) =>
        fileSink({ name: sinkOf(d), topics: [windowFilter('sluice', d), 'anomaly'], lingerMs: 20 }),
      ),
    },
  }).then((h) => (handles.set(instance, h), h))
}

type Line =
  { kind: 'window'; payload: { seqFrom: number } } | { kind: 'anomaly'; payload: { seq: number } }

/**
 * Indices of the messages of `kind` in `sink`'s file of `instance` (the default path,
 * `<dataDir>/<sink>.jsonl`).
 */
function written(instance: string, sink: string, kind: Line['kind'] = 'window'): number[] {
  const path = join(dirs.get(instance)!.path, `${sink}.jsonl`)
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.kind === kind)
    .map((l) => (l.kind === 'window' ? l.payload.seqFrom / 50 : (l.payload.seq - 3) / 97))
}

/** Indices of the messages of `kind` of `sink` written by any instance of the test, each once, in order. */
const union = (sink: string, kind: Line['kind'] = 'window'): number[] =>
  [...new Set([...dirs.keys()].flatMap((i) => written(i, sink, kind)))].sort((a, b) => a - b)

/** Publishes window `i` of every device, and anomaly `i` of a device no sink has to itself. */
async function publishMessages(i: number): Promise<void> {
  const qos = 1 as const
  await Promise.all([
    ...DEVICES.map((d) =>
      pub.publishAsync(
        windowTopic('sluice', d, 'light', 'w5s'),
        JSON.stringify(windowAggregate(i)),
        { qos },
      ),
    ),
    pub.publishAsync(anomalyTopic('sluice', 'hub', 'temp'), JSON.stringify(anomalyEvent(i)), {
      qos,
    }),
  ])
}

/**
 * True when every sink's files hold windows and anomalies 0 … n-1 (the union over the instances); else
 * throws what is missing (waitFor reports the last throw on a timeout).
 */
function complete(n: number): true {
  const missing = SINKS.flatMap((s) =>
    (['window', 'anomaly'] as const).flatMap((kind) => {
      const have = new Set(union(s, kind))
      const lacking = everyIndex(n).filter((i) => !have.has(i))
      return lacking.length === 0 ? [] : [`${s} ${kind} ${lacking.join(',')}`]
    }),
  )
  if (missing.length > 0) throw new Error(`missing: ${missing.join('; ')}`)
  return true
}

/** Every sink's files hold windows and anomalies 0 … n-1, none missing. */
function expectComplete(n: number): void {
  for (const s of SINKS) {
    expect(union(s), s).toEqual(everyIndex(n))
    expect(union(s, 'anomaly'), s).toEqual(everyIndex(n))
  }
}

/** Publishes messages from index `from` on, every 10 ms, until stopped; resolves to the next index. */
function feed(from: number): { stop(): Promise<number> } {
  let next = from
  let publishing = true
  const done = (async () => {
    while (publishing) {
      await publishMessages(next++)
      await sleep(10)
    }
  })()
  return {
    async stop() {
      publishing = false
      await done
      return next
    },
  }
}

const everyIndex = (n: number) => Array.from({ length: n }, (_, i) => i)
const groupOf = (h: Forwarder) => h.metrics.collect().group
const inFilters = (h: Forwarder) =>
  (h.metrics.collect().hops['in']?.topic ?? '').split(',').filter((f) => f.length > 0)

/** The filters an instance owning `sinks` holds: its devices' windows, and the shared anomalies. */
const filtersFor = (sinks: ReadonlySet<string>): string[] =>
  sinks.size === 0
    ? []
    : [
        ...DEVICES.filter((d) => sinks.has(sinkOf(d))).map((d) => windowFilter('sluice', d)),
        anomalyFilter('sluice'),
      ].sort()

/**
 * Waits until the group is `instances`, as each of them sees it, and each holds the filters of exactly
 * the sinks it owns: any move is over, overlap included.
 */
async function settled(instances: readonly string[]): Promise<void> {
  const members = instances.map((instance) => ({ instance, weight: 1 }))
  // Throws what is not there yet: waitFor reports the last throw on a timeout.
  const done = (i: string): true => {
    const h = handles.get(i)!
    const mine = ownedSinks(SINKS, members, i)
    const g = groupOf(h)
    const holds = inFilters(h).sort()
    if (
      g?.members.length !== instances.length ||
      g.owned !== mine.size ||
      JSON.stringify(holds) !== JSON.stringify(filtersFor(mine))
    )
      throw new Error(
        `${i}: members ${JSON.stringify(g?.members.map((m) => m.instance))}, owns ${g?.owned} ` +
          `(${mine.size} expected), holds ${holds.join(' ')}`,
      )
    return true
  }
  await waitFor(() => instances.every(done), {
    timeout: 10_000,
    message: `${instances.join(' and ')} settled, each subscribed for its own sinks only`,
  })
}

describe('forwarder instances sharing their sinks in a group', () => {
  it('runs each sink on one instance, and moves them on a graceful stop without loss', async () => {
    const [one, two] = await Promise.all(INSTANCES.map(startForwarder))
    const members = INSTANCES.map((instance) => ({ instance, weight: 1 }))
    const owned = INSTANCES.map((i) => ownedSinks(SINKS, members, i))
    // The assignment splits these four sinks between the two: each instance has work to hand over.
    expect(owned.map((o) => o.size)).not.toContain(0)

    // Subscriptions follow ownership: each instance holds the filters of its own sinks only.
    await settled(INSTANCES)
    for (const [k, h] of [one!, two!].entries()) {
      expect(inFilters(h).sort(), INSTANCES[k]).toEqual(filtersFor(owned[k]!))
      expect(groupOf(h)).toMatchObject({ group: 'forwarder', units: 4, owned: owned[k]!.size })
    }

    const N = 50
    for (let i = 0; i < N; i++) await publishMessages(i)
    await waitFor(() => complete(N), {
      timeout: 10_000,
      message: `${N} windows and anomalies in every sink's files`,
    })
    expectComplete(N)
    // Both instances take the shared anomaly filter, but each writes only to the sinks it owns.
    for (const s of SINKS) {
      const writers = INSTANCES.filter(
        (i) => written(i, s).length > 0 || written(i, s, 'anomaly').length > 0,
      )
      const what = INSTANCES.map(
        (i) => `${i}: ${written(i, s).join(',')} / ${written(i, s, 'anomaly').join(',')}`,
      )
      expect(writers, `${s} (${what.join('; ')})`).toEqual(
        INSTANCES.filter((_, k) => owned[k]!.has(s)),
      )
    }

    // Stop the first instance gracefully while messages keep coming: its sinks move to the second.
    const flow = feed(N)
    await sleep(300)
    await one!.stop()
    handles.delete(INSTANCES[0]!)
    await settled([INSTANCES[1]!])
    await sleep(300)
    const last = await flow.stop()
    await waitFor(() => complete(last), {
      timeout: 10_000,
      message: `${last} windows and anomalies in every sink's files`,
    })
    expectComplete(last)
    // What was published after the stop is written by the instance left.
    for (const s of SINKS) expect(written(INSTANCES[1]!, s), s).toContain(last - 1)
    expect(inFilters(two!).sort()).toEqual(filtersFor(new Set(SINKS)))
  }, 60_000)

  it('moves sinks to an instance that joins while messages flow, none lost', async () => {
    await startForwarder('fwd-3')
    await settled(['fwd-3'])
    const flow = feed(0)
    await sleep(300)
    const joiner = await startForwarder('fwd-4')
    // Once the move is over, overlap included, each sink is taken by its new owner only.
    await settled(['fwd-3', 'fwd-4'])
    await sleep(300)
    const last = await flow.stop()
    await waitFor(() => complete(last), {
      timeout: 10_000,
      message: `${last} windows and anomalies in every sink's files`,
    })
    expectComplete(last)
    const moved = ownedSinks(
      SINKS,
      [
        { instance: 'fwd-3', weight: 1 },
        { instance: 'fwd-4', weight: 1 },
      ],
      'fwd-4',
    )
    expect(moved.size).toBeGreaterThan(0)
    for (const s of SINKS) {
      const lastBy = (i: string) => Math.max(-1, ...written(i, s))
      // The newest messages of a moved sink are written by the joiner only, the rest by the first.
      expect(lastBy('fwd-4') === last - 1, s).toBe(moved.has(s))
      expect(lastBy('fwd-3') === last - 1, s).toBe(!moved.has(s))
    }
    expect(groupOf(joiner)?.owned).toBe(moved.size)
  }, 60_000)
})
