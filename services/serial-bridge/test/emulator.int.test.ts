/**
 * Emulator in the loop (DESIGN.md §10, §13 interop): the real firmware, built with avr-gcc (synthetic
 * sensor), boots in `qemu-system-avr` with its serial port on a pty; the bridge runs in-process through the
 * real runtime against our broker on a free port and reads that pty. What reaches the broker must be the
 * firmware's own samples: contiguous sequence numbers and the values `syntheticValues` predicts. A rate
 * command on `{p}/{device}/_ctl/rate` must reach the device (`OK R50`) and change the rate measured at the
 * broker. Backpressure with the real firmware: while a consumer of the raw topics reports itself critical,
 * the bridge's governor halves the rate (`R25`, acknowledged), and restores it once that clears. Skipped
 * when avr-gcc or qemu-system-avr is missing, unless SLUICE_REQUIRE_EXTERNAL=1.
 *
 * QEMU spins one host core while it runs (firmware/README.md), so the test keeps it short: ~5 s at the
 * default 10 Hz, ~4 s at 50 Hz, ~8 s for the backpressure round trip.
 */
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { startBroker, type RunningBroker } from '@sluice/broker'
import {
  decodeRawSamples,
  metricsTopic,
  rateTopic,
  rawFilter,
  type ServiceMetrics,
} from '@sluice/contract'
import {
  FIRMWARE_DEFAULT_RATE_HZ,
  buildFirmware,
  startEmulator,
  syntheticValues,
  type RunningEmulator,
} from '@sluice/firmware'
import type { Sample } from '@sluice/stream'
import { collectMessages, findProgram, waitFor, type MessageCollector } from '@sluice/testkit'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SerialSource } from '../src/internal.js'
import { startBridge, type RunningBridge } from './helpers.js'

// Each logs why it skips when missing, or throws (fails the suite) under SLUICE_REQUIRE_EXTERNAL=1.
const avrGcc = findProgram('avr-gcc')
const qemu = findProgram('qemu-system-avr')
const missing = [avrGcc, qemu].filter((p) => !p.available)

const DEVICE = 'arduino'

describe.skipIf(missing.length > 0)('the bridge reading the firmware in qemu-system-avr', () => {
  let broker: RunningBroker
  let emu: RunningEmulator | undefined
  let bridge: RunningBridge | undefined
  let sub: MessageCollector
  let elfPath: string | undefined

  /** Every sample received on one channel's raw topic, with the time its message reached the test. */
  const received = (channel: string): { sample: Sample; at: number }[] =>
    sub.messages
      .filter((m) => m.topic === `sluice/${DEVICE}/${channel}/raw`)
      .flatMap((m) => {
        const r = decodeRawSamples(m.payload)
        if (!r.ok) throw r.error
        return r.value.map((sample) => ({ sample, at: m.receivedAt }))
      })

  /**
   * Samples per second of the device's own clock as seen at the broker: sequence numbers advanced over
   * arrival time, from the first sample after `from` ms to the last one `ms` later.
   */
  async function measureRate(ms: number): Promise<number> {
    const from = Date.now()
    await new Promise((r) => setTimeout(r, ms))
    const window = received('light').filter((s) => s.at >= from)
    const first = window[0]
    const last = window.at(-1)
    if (first === undefined || last === undefined || last.at === first.at) return 0
    return ((last.sample.seq - first.sample.seq) * 1000) / (last.at - first.at)
  }

  beforeAll(async () => {
    elfPath = await buildFirmware({ synthetic: true })
    broker = await startBroker({ port: 0 })
    sub = await collectMessages(broker.url, rawFilter('sluice'), { qos: 1 })
    emu = await startEmulator(elfPath, { paused: true })
    bridge = await startBridge({
      broker: broker.url,
      instance: 'emu-t1',
      mode: 'serial',
      port: emu.ptyPath,
      baud: 115200,
      channels: 'light,temp',
      checksum: 'required',
      // QEMU has no bootloader to wait out, and the CPU is held until the bridge has the pty open.
      resetDelayMs: 0,
      batch: { maxSamples: 20, maxDelayMs: 20 },
      // One halving step per pressure episode (50 → 25 Hz), and a quick release after it.
      governor: { holdMs: 1500, minHz: 25, downstreamTtlMs: 1000 },
    })
    const source = bridge.bridge.source as SerialSource
    await waitFor(() => source.link.state === 'open', { timeout: 5000, message: 'the pty to open' })
    // A pty drops what the device writes while nobody has it open: start the CPU only now.
    emu.resume()
  }, 30_000)

  afterAll(async () => {
    await bridge?.stop()
    await emu?.stop()
    await sub?.close()
    await broker?.close()
    if (elfPath !== undefined) await rm(dirname(elfPath), { recursive: true, force: true })
  })

  it('publishes the firmware samples with contiguous sequence numbers and the predicted values', async () => {
    await waitFor(() => received('temp').length >= 30, {
      timeout: 10_000,
      message: '30 temp samples from the emulated device',
    })
    const source = bridge!.bridge.source as SerialSource
    expect(bridge!.messages().some((m) => m.includes('says: sluice-fw'))).toBe(true)
    for (const channel of ['light', 'temp'] as const) {
      const samples = received(channel).map((s) => s.sample)
      const first = samples[0]!.seq
      expect(samples.map((s) => s.seq)).toEqual(samples.map((_, i) => first + i))
      const index = channel === 'light' ? 0 : 1
      for (const s of samples) expect(s.value).toBeCloseTo(syntheticValues(s.seq)[index]!, 9)
      expect(samples.every((s) => s.ingest > 1.7e12 && s.t === s.ingest)).toBe(true)
    }
    expect(source.counters.rejected).toBe(0)
  })

  it('changes the rate observed at the broker after a rate command on the _ctl topic', async () => {
    const before = await measureRate(2500)
    expect(before).toBeGreaterThan(FIRMWARE_DEFAULT_RATE_HZ * 0.7)
    expect(before).toBeLessThan(FIRMWARE_DEFAULT_RATE_HZ * 1.3)

    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    await client.publishAsync(rateTopic('sluice', DEVICE), '{"hz":50}', { qos: 1 })
    await client.endAsync()
    const source = bridge!.bridge.source as SerialSource
    await waitFor(() => source.ackedHz === 50, { timeout: 5000, message: 'OK R50 from the device' })

    const after = await measureRate(3000)
    if (process.env.SLUICE_FW_LOG_RATES === '1')
      console.log(`rate at the broker: ${before.toFixed(1)} Hz, after R50: ${after.toFixed(1)} Hz`)
    expect(after).toBeGreaterThan(50 * 0.7)
    expect(after).toBeLessThan(50 * 1.3)
    // Still the firmware's own samples, with no gap across the change.
    const seqs = received('light').map((s) => s.sample.seq)
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i))
  })

  it('halves the firmware rate while a consumer is critical, and restores it after', async () => {
    const source = bridge!.bridge.source as SerialSource
    // A windowing instance that cannot keep up says so in its metrics, as the mesh runtime would.
    const consumer = await mqtt.connectAsync(broker.url, {
      clientId: 'sluice-windowing-w9',
      reconnectPeriod: 0,
    })
    let state: 'critical' | 'ok' = 'critical'
    const report = () => {
      const m: ServiceMetrics = {
        service: 'windowing',
        instance: 'w9',
        t: Date.now(),
        hops: {
          raw: {
            direction: 'in',
            topic: rawFilter('sluice'),
            qos: 1,
            policy: 'drop-oldest',
            in: 0,
            out: 0,
            dropped: {},
            rejected: 0,
            queue: { length: 990, capacity: 1000 },
            state,
          },
        },
      }
      void consumer.publishAsync(metricsTopic('sluice', 'windowing', 'w9'), JSON.stringify(m))
    }
    report()
    const timer = setInterval(report, 250)
    try {
      await waitFor(() => source.ackedHz === 25, {
        timeout: 6000,
        message: 'OK R25 from the device',
      })
      const throttled = await measureRate(2500)
      state = 'ok'
      await waitFor(() => source.ackedHz === 50, { timeout: 8000, message: 'OK R50 again' })
      const restored = await measureRate(2000)
      if (process.env.SLUICE_FW_LOG_RATES === '1')
        console.log(
          `under pressure: ${throttled.toFixed(1)} Hz, restored: ${restored.toFixed(1)} Hz`,
        )
      expect(throttled).toBeGreaterThan(25 * 0.7)
      expect(throttled).toBeLessThan(25 * 1.3)
      expect(restored).toBeGreaterThan(50 * 0.7)
      expect(bridge!.messages()).toContain(
        'windowing/w9 raw is critical: asked arduino to slow down from 50 to 25 Hz',
      )
      // Slowed down, not dropped: the sequence stays contiguous and nothing was dropped at the edge.
      const seqs = received('light').map((s) => s.sample.seq)
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i))
      expect(source.edgeDropped).toBe(0)
    } finally {
      clearInterval(timer)
      await consumer.endAsync()
    }
  })
})
