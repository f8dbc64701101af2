import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseLine } from '@sluice/contract'
import { findProgram } from '@sluice/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FIRMWARE_VERSION,
  SYNTHETIC_CYCLE,
  buildFirmware,
  startEmulator,
  syntheticAnomaly,
  syntheticBaseline,
  syntheticValues,
} from '../src/internal.js'
import type { RunningEmulator } from '../src/internal.js'
import { openSerialLines } from './serial-lines.js'
import type { ReceivedLine, SerialLines } from './serial-lines.js'

// Skips with a message when a program is missing; throws (fails) under SLUICE_REQUIRE_EXTERNAL=1.
const avrGcc = findProgram('avr-gcc')
const qemu = findProgram('qemu-system-avr')
const channels = ['light', 'temp'] as const

function parseSample(line: ReceivedLine) {
  const parsed = parseLine(line.text, { channels, requireChecksum: true })
  if (!parsed.ok || parsed.kind !== 'sample') {
    throw new Error(`not a checksummed sample line: '${line.text}' (${JSON.stringify(parsed)})`)
  }
  return parsed
}

const isSample = (l: ReceivedLine) => /^\d/.test(l.text)

describe.skipIf(!avrGcc.available || !qemu.available)('firmware in qemu-system-avr', () => {
  let emu: RunningEmulator | undefined
  let serial: SerialLines
  let elfPath: string | undefined

  beforeAll(async () => {
    elfPath = await buildFirmware({ synthetic: true })
    emu = await startEmulator(elfPath, { paused: true })
    const started = emu
    // The pty drops output while no one has it open: open it first, then start the CPU.
    serial = await openSerialLines(started.ptyPath, () => started.resume())
  })

  afterAll(async () => {
    await serial.close()
    await emu?.stop()
    if (elfPath !== undefined) await rm(dirname(elfPath), { recursive: true, force: true })
  })

  /** Sends `R<hz>` and resolves with the acknowledgement line. */
  async function setRate(hz: number): Promise<ReceivedLine> {
    const from = serial.lines.length
    await serial.write(`R${hz}\n`)
    return serial.waitFor((l) => !isSample(l), { fromIndex: from, timeoutMs: 5000 })
  }

  /** Lines per second over `ms` of host time, from the first and last sample's sequence and arrival. */
  async function measureRate(ms: number): Promise<number> {
    const from = serial.lines.length
    await new Promise((r) => setTimeout(r, ms))
    const window = serial.lines.slice(from).filter(isSample)
    const first = window[0]
    const last = window.at(-1)
    if (first === undefined || last === undefined || last.at === first.at) return 0
    return ((parseSample(last).seq - parseSample(first).seq) * 1000) / (last.at - first.at)
  }

  it('announces its version, rate and channels in its boot line', async () => {
    const boot = await serial.waitFor(() => true, { timeoutMs: 10_000 })
    const parsed = parseLine(boot.text, { channels })
    expect(parsed).toMatchObject({
      ok: true,
      kind: 'info',
      info: {
        firmware: 'sluice-fw',
        version: FIRMWARE_VERSION,
        rateHz: 10,
        channels: ['light', 'temp'],
        fields: { source: 'synthetic' },
      },
    })
    expect(boot.text).toBe(
      `# sluice-fw ${FIRMWARE_VERSION} rate=10 channels=light,temp source=synthetic`,
    )
  })

  it('prints checksummed samples whose sequence numbers count up by one from 0', async () => {
    await serial.waitFor((l) => isSample(l) && parseSample(l).seq >= 15, { timeoutMs: 10_000 })
    const samples = serial.lines.filter(isSample).map(parseSample)
    expect(samples[0]?.seq).toBe(0)
    samples.forEach((s, i) => {
      expect(s.seq).toBe(i)
      expect(s.checksummed).toBe(true)
    })
  })

  it('sends the synthetic waveform with its spikes, level shift and drift', async () => {
    expect((await setRate(250)).text).toBe('OK R250')
    const from = serial.lines.length
    const start = parseSample(await serial.waitFor(isSample, { fromIndex: from })).seq
    const end = start + SYNTHETIC_CYCLE + 8
    await serial.waitFor((l) => isSample(l) && parseSample(l).seq >= end, {
      fromIndex: from,
      timeoutMs: 15_000,
    })
    const samples = serial.lines.slice(from).filter(isSample).map(parseSample)
    samples.forEach((s, i) => {
      if (i > 0) expect(s.seq).toBe(samples[i - 1]!.seq + 1)
      expect(s.values).toEqual(syntheticValues(s.seq))
    })

    const light = (kind: string | undefined) =>
      samples.filter((s) => syntheticAnomaly(s.seq, 'light') === kind)
    const normalMax = Math.max(...light(undefined).map((s) => s.values[0]!))
    expect(light('spike')).toHaveLength(2)
    for (const s of light('spike')) expect(s.values[0]!).toBeGreaterThan(normalMax + 200)
    const shift = light('shift').map((s) => s.values[0]! - syntheticBaseline(s.seq, 'light'))
    expect(shift.length).toBeGreaterThanOrEqual(100)
    expect(new Set(shift)).toEqual(new Set([180]))
    const drift = light('drift').map((s) => s.values[0]! - syntheticBaseline(s.seq, 'light'))
    expect(drift.length).toBeGreaterThanOrEqual(100)
    expect(Math.max(...drift)).toBeGreaterThan(140)
    const tempSpike = samples.filter((s) => syntheticAnomaly(s.seq, 'temp') === 'spike')
    expect(tempSpike).toHaveLength(1)
    expect(
      tempSpike[0]!.values[1]! * 10 - syntheticBaseline(tempSpike[0]!.seq, 'temp'),
    ).toBeCloseTo(60)
  })

  it('answers R<hz> with OK R<hz> and changes the observed line rate accordingly', async () => {
    // Rates from host arrival times over 3 s each; QEMU follows the host clock, so they should be close,
    // but the bounds are generous because the host may be loaded.
    expect((await setRate(10)).text).toBe('OK R10')
    await new Promise((r) => setTimeout(r, 300))
    const slow = await measureRate(3000)
    expect((await setRate(50)).text).toBe('OK R50')
    await new Promise((r) => setTimeout(r, 300))
    const fast = await measureRate(3000)
    const seen = `measured ${slow.toFixed(1)} Hz at R10 and ${fast.toFixed(1)} Hz at R50`
    expect(slow, seen).toBeGreaterThan(7)
    expect(slow, seen).toBeLessThan(13)
    expect(fast, seen).toBeGreaterThan(35)
    expect(fast, seen).toBeLessThan(65)
    expect(fast / slow, seen).toBeGreaterThan(3)
    if (process.env.SLUICE_FW_LOG_RATES === '1') process.stderr.write(`[firmware] ${seen}\n`)
  })

  it('refuses an out-of-range rate with ERR and keeps sampling at the old rate', async () => {
    const zero = await setRate(0)
    expect(zero.text).toBe('ERR R0 out of range (1-1000)')
    expect(parseLine(zero.text, { channels })).toMatchObject({ ok: true, kind: 'device-error' })
    expect((await setRate(5000)).text).toBe('ERR R5000 out of range (1-1000)')
    const from = serial.lines.length
    await serial.write('X\n')
    expect((await serial.waitFor((l) => !isSample(l), { fromIndex: from })).text).toBe(
      'ERR unknown command',
    )
    const before = serial.lines.filter(isSample).length
    await new Promise((r) => setTimeout(r, 500))
    // Still 50 Hz from the previous test: 25 lines expected in 0.5 s.
    expect(serial.lines.filter(isSample).length - before).toBeGreaterThan(10)
  })
})
