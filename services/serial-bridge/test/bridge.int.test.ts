/**
 * The bridge in its simulator and replay modes, through the real runtime, publishing to stock Aedes on a
 * free port: topics per device and channel, batches at high rates, no sequence gaps, rate commands, the
 * replayed file complete and in order, and the service's metrics showing the raw hop.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  decodeMetrics,
  decodeRawSamples,
  metricsTopic,
  rateTopic,
  rawFilter,
} from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import {
  collectMessages,
  startAedes,
  tempDir,
  waitFor,
  type MessageCollector,
  type RunningAedes,
  type TempDir,
} from '@sluice/testkit'
import mqtt from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ReplaySource, SimSource } from '../src/internal.js'
import { startBridge, type RunningBridge } from './helpers.js'

function samplesByTopic(sub: MessageCollector): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>()
  for (const m of sub.messages) {
    const r = decodeRawSamples(m.payload)
    if (!r.ok) throw r.error
    out.set(m.topic, [...(out.get(m.topic) ?? []), ...r.value])
  }
  return out
}

describe('serial bridge: simulator and replay modes', () => {
  let broker: RunningAedes
  let dir: TempDir
  let bridge: RunningBridge | undefined
  let sub: MessageCollector | undefined

  beforeAll(async () => {
    broker = await startAedes()
    dir = await tempDir('sluice-bridge-')
  })
  afterEach(async () => {
    await bridge?.stop()
    await sub?.close()
    bridge = undefined
    sub = undefined
  })
  afterAll(async () => {
    await broker.stop()
    await dir.remove()
  })

  it('simulates devices × channels on their own topics, in batches of at most N, without gaps, and obeys rate commands', async () => {
    sub = await collectMessages(broker.url, rawFilter('sluice'), { qos: 1 })
    bridge = await startBridge({
      broker: broker.url,
      instance: 'sim-t1',
      mode: 'sim',
      channels: 'light,temp',
      sim: { devices: 2, rateHz: 500, anomalyEvery: 100 },
      batch: { maxSamples: 25, maxDelayMs: 20 },
    })
    await waitFor(() => (samplesByTopic(sub!).get('sluice/sim-2/temp/raw')?.length ?? 0) >= 400, {
      timeout: 10_000,
      message: '400 samples of sim-2/temp',
    })
    const sim = bridge.bridge.source as SimSource
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    await client.publishAsync(rateTopic('sluice', 'sim-1'), '{"hz":50}', { qos: 1 })
    await waitFor(() => sim.simulator.rate('sim-1') === 50, {
      timeout: 10_000,
      message: 'the new rate',
    })
    await client.endAsync()
    await bridge.stop()
    bridge = undefined
    await new Promise((r) => setTimeout(r, 100))

    const byTopic = samplesByTopic(sub)
    expect([...byTopic.keys()].sort()).toEqual([
      'sluice/sim-1/light/raw',
      'sluice/sim-1/temp/raw',
      'sluice/sim-2/light/raw',
      'sluice/sim-2/temp/raw',
    ])
    for (const samples of byTopic.values()) {
      // Every sequence number from 0, once, in order: nothing lost between the simulator and the broker.
      expect(samples.map((s) => s.seq)).toEqual(Array.from({ length: samples.length }, (_, i) => i))
    }
    // Batches form only while the raw hop is busy (publish/batcher.ts; its unit tests drive a busy hop):
    // a sample that finds it free goes out alone. Every message holds 1 to maxSamples samples, as a raw
    // sample object when alone.
    const sizes = sub.messages.map((m) => {
      const r = decodeRawSamples(m.payload)
      if (!r.ok) throw r.error
      const alone = !Array.isArray((JSON.parse(m.payload.toString()) as { seq: unknown }).seq)
      expect(alone, 'a lone sample is a raw sample object').toBe(r.value.length === 1)
      return r.value.length
    })
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25)
    // Injected anomalies are known by position; a spike shows in the published values.
    const spike = sim
      .injected()
      .find((a) => a.kind === 'spike' && a.device === 'sim-1' && a.channel === 'light')!
    const light = byTopic.get('sluice/sim-1/light/raw')!
    expect(spike.t).toBe(light[spike.seq]!.t)
    expect(light[spike.seq]!.value - light[spike.seq - 1]!.value).toBeGreaterThan(100)
  })

  it('replays a NAB-style file completely and in order at full speed, with recorded times', async () => {
    const file = join(dir.path, 'machine_temp.csv')
    const rows = ['timestamp,value']
    for (let i = 0; i < 3000; i++) {
      rows.push(
        `${new Date(Date.UTC(2014, 0, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${(70 + Math.sin(i / 50)).toFixed(4)}`,
      )
    }
    writeFileSync(file, `${rows.join('\n')}\n`)
    sub = await collectMessages(
      broker.url,
      [rawFilter('sluice'), metricsTopic('sluice', 'serial-bridge', 'replay-t1')],
      {
        qos: 1,
      },
    )
    bridge = await startBridge({
      broker: broker.url,
      instance: 'replay-t1',
      mode: 'replay',
      replay: { file, speed: 0 },
      batch: { maxSamples: 200, maxDelayMs: 10 },
    })
    await (bridge.bridge.source as ReplaySource).done
    await waitFor(
      () => (samplesByTopicRaw(sub!).get('sluice/machine_temp/value/raw')?.length ?? 0) >= 3000,
      {
        timeout: 10_000,
        message: 'all 3000 rows',
      },
    )
    const samples = samplesByTopicRaw(sub).get('sluice/machine_temp/value/raw')!
    expect(samples.map((s) => s.seq)).toEqual(Array.from({ length: 3000 }, (_, i) => i))
    expect(samples[10]!.t).toBe(Date.UTC(2014, 0, 1) + 10 * 300_000)
    expect(samples[10]!.value).toBeCloseTo(70 + Math.sin(10 / 50), 4)
    // The runtime's metrics show the raw hop with everything published.
    await waitFor(
      () =>
        sub!.messages.some((m) => {
          if (!m.topic.endsWith('/metrics')) return false
          const r = decodeMetrics(m.payload)
          return r.ok && r.value.hops.raw !== undefined
        }),
      { timeout: 10_000, message: 'a metrics message with the raw hop' },
    )
  })
})

function samplesByTopicRaw(sub: MessageCollector): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>()
  for (const m of sub.messages) {
    if (!m.topic.endsWith('/raw')) continue
    const r = decodeRawSamples(m.payload)
    if (!r.ok) throw r.error
    out.set(m.topic, [...(out.get(m.topic) ?? []), ...r.value])
  }
  return out
}
