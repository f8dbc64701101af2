/**
 * Interop: the bridge reading the real firmware (`firmware/`, built with avr-gcc, synthetic sensor) running
 * in `qemu-system-avr`, whose serial port is a pty, and publishing to stock Aedes: the boot line is
 * understood, every line passes (valid checksums, two channels), samples reach the broker on both
 * channel topics, and a rate command on MQTT is acknowledged by the firmware. Skipped when avr-gcc or QEMU
 * is missing, unless SLUICE_REQUIRE_EXTERNAL=1.
 */
import { decodeRawSamples, rateTopic, rawFilter } from '@sluice/contract'
import { buildFirmware, startEmulator, type RunningEmulator } from '@sluice/firmware'
import { collectMessages, findProgram, waitFor, type MessageCollector } from '@sluice/testkit'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SerialSource } from '../src/index.js'
import { startAedes, startBridge, type RunningBridge, type TestBroker } from './helpers.js'

const avrGcc = findProgram('avr-gcc')
const qemu = findProgram('qemu-system-avr')

describe.skipIf(!avrGcc.available || !qemu.available)(
  'serial bridge with the firmware in QEMU',
  () => {
    let broker: TestBroker
    let emu: RunningEmulator | undefined
    let bridge: RunningBridge | undefined
    let sub: MessageCollector
    const source = () => bridge!.bridge.source as SerialSource

    beforeAll(async () => {
      broker = await startAedes()
      sub = await collectMessages(broker.url, rawFilter('sluice', 'uno'), { qos: 1 })
      emu = await startEmulator(await buildFirmware({ synthetic: true }), { paused: true })
      bridge = await startBridge({
        broker: broker.url,
        instance: 'fw-t1',
        mode: 'serial',
        device: 'uno',
        port: emu.ptyPath,
        channels: 'light,temp',
        checksum: 'required',
        resetDelayMs: 200,
        // QEMU has no DTR reset: start its CPU once the bridge reads, so the boot line is seen.
        governor: { enabled: false },
      })
      await waitFor(() => source().link.state === 'open', {
        timeout: 10_000,
        message: 'the pty to open',
      })
      emu.resume()
    }, 90_000)

    afterAll(async () => {
      await bridge?.stop()
      await sub?.close()
      await emu?.stop()
      await broker?.close()
    })

    it('understands the boot line and publishes both channels of checksummed lines', async () => {
      await waitFor(() => sub.messages.filter((m) => m.topic.endsWith('/temp/raw')).length >= 5, {
        timeout: 20_000,
        message: 'temp samples from the firmware',
      })
      expect(
        bridge!.messages().some((m) => /says: sluice-fw \S+ rate=\d+ channels=light,temp/.test(m)),
      ).toBe(true)
      const light = sub.messages
        .filter((m) => m.topic === 'sluice/uno/light/raw')
        .flatMap((m) => {
          const r = decodeRawSamples(m.payload)
          if (!r.ok) throw r.error
          return r.value
        })
      expect(light.length).toBeGreaterThan(0)
      // Consecutive sequence numbers: nothing lost on the wire or in the bridge.
      for (let i = 1; i < light.length; i++) expect(light[i]!.seq).toBe(light[i - 1]!.seq + 1)
      expect(light.every((s) => Number.isInteger(s.value) && s.value >= 0 && s.value <= 1023)).toBe(
        true,
      )
      expect(source().counters.rejected).toBe(0)
    })

    it('passes a rate command on to the firmware, which acknowledges it', async () => {
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
      await client.publishAsync(rateTopic('sluice', 'uno'), '{"hz":20}', { qos: 1 })
      await waitFor(() => source().ackedHz === 20, {
        timeout: 10_000,
        message: 'OK R20 from the firmware',
      })
      expect(bridge!.messages()).toContain('Device acknowledged R20')
      await client.endAsync()
    })
  },
)
