/**
 * The bridge against a "device" on the far end of a socat pty pair, publishing to a real broker (stock
 * Aedes on a free port): good lines, garbage, a simulated baud mismatch, a rate command, the device
 * vanishing and coming back at the same path. Checks what reaches the broker (mqtt.js subscriber), what
 * reaches the device, and the log messages an operator would read. Skipped when socat is missing, unless
 * SLUICE_REQUIRE_EXTERNAL=1.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { decodeRawSamples, formatLine, rateTopic, rawFilter } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import {
  collectMessages,
  findProgram,
  startAedes,
  tempDir,
  waitFor,
  type MessageCollector,
  type RunningAedes,
  type TempDir,
} from '@sluice/testkit'
import mqtt from 'mqtt'
import { SerialPort } from 'serialport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SerialSource } from '../src/internal.js'
import { startBridge, startLinkedPtys, type LinkedPtys, type RunningBridge } from './helpers.js'

const socat = findProgram('socat')

/** The device's end of the pty: writes lines, records what the bridge sends it. */
async function openDevice(path: string) {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
  let received = ''
  port.on('data', (d: Buffer) => (received += d.toString('latin1')))
  port.on('error', () => undefined)
  return {
    received: () => received,
    write: (data: string | Buffer) =>
      new Promise<void>((resolve, reject) =>
        port.write(data, (err) => (err ? reject(err) : port.drain(() => resolve()))),
      ),
    close: () =>
      new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  }
}

describe.skipIf(!socat.available)('serial bridge over a socat pty pair', () => {
  let dir: TempDir
  let broker: RunningAedes
  let ptys: LinkedPtys
  let bridge: RunningBridge
  let sub: MessageCollector
  let device: Awaited<ReturnType<typeof openDevice>>
  const bridgeEnd = () => join(dir.path, 'ttyBridge')
  const deviceEnd = () => join(dir.path, 'ttyDevice')

  const samplesOf = (channel: string): Sample[] =>
    sub.messages
      .filter((m) => m.topic === `sluice/arduino/${channel}/raw`)
      .flatMap((m) => {
        const r = decodeRawSamples(m.payload)
        if (!r.ok) throw r.error
        return r.value
      })
  const source = () => bridge.bridge.source as SerialSource

  beforeAll(async () => {
    dir = await tempDir('sluice-serial-')
    broker = await startAedes()
    ptys = await startLinkedPtys(socat.path!, bridgeEnd(), deviceEnd())
    sub = await collectMessages(broker.url, rawFilter('sluice'), { qos: 1 })
    bridge = await startBridge({
      broker: broker.url,
      instance: 'serial-t1',
      mode: 'serial',
      port: bridgeEnd(),
      channels: 'light,temp',
      ranges: { light: { min: 0, max: 1023 } },
      resetDelayMs: 300,
      reconnect: { initialMs: 100, maxMs: 400 },
      batch: { maxSamples: 50, maxDelayMs: 20 },
    })
    await waitFor(() => source().link.state === 'open', {
      timeout: 10_000,
      message: 'the port to open',
    })
    device = await openDevice(deviceEnd())
  })

  afterAll(async () => {
    await device?.close()
    await bridge?.stop()
    await sub?.close()
    await ptys?.stop()
    await broker?.stop()
    await dir?.remove()
  })

  it('publishes each channel of good lines on its own raw topic, checksummed or not', async () => {
    await device.write('# sluice-fw 1.0 rate=10 channels=light,temp\n')
    let text = ''
    for (let seq = 0; seq < 50; seq++)
      text += formatLine(seq, [400 + seq, 20 + seq / 10], { checksum: seq % 2 === 0 })
    await device.write(text)
    await waitFor(() => samplesOf('temp').length >= 50, {
      timeout: 10_000,
      message: '50 temp samples',
    })
    const light = samplesOf('light')
    expect(light.map((s) => s.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(light.map((s) => s.value)).toEqual(Array.from({ length: 50 }, (_, i) => 400 + i))
    expect(samplesOf('temp')[7]!.value).toBeCloseTo(20.7, 9)
    expect(light.every((s) => s.t === s.ingest && s.ingest > 1.7e12)).toBe(true)
    expect(bridge.messages()).toContain(
      `Device on ${bridgeEnd()} says: sluice-fw 1.0 rate=10 channels=light,temp`,
    )
  })

  it('rejects and counts bad lines without publishing any of them', async () => {
    await device.write(
      [
        'hello',
        '50,abc,1',
        '51,2000,20',
        `${formatLine(52, [1, 2]).trim()}*00`,
        '53,1',
        '54,1,2,3',
      ].join('\n') + '\n',
    )
    let text = ''
    for (let seq = 100; seq < 110; seq++) text += formatLine(seq, [500, 21])
    await device.write(text)
    await waitFor(() => samplesOf('light').some((s) => s.seq === 109), {
      timeout: 10_000,
      message: 'seq 109',
    })
    const seqs = samplesOf('light').map((s) => s.seq)
    expect(seqs.filter((s) => s >= 50 && s < 100)).toEqual([])
    expect(samplesOf('light').every((s) => s.value >= 0 && s.value <= 1023)).toBe(true)
    expect(source().counters.rejectedBy).toMatchObject({
      number: 2,
      range: 1,
      checksum: 1,
      'field-count': 2,
    })
  })

  it('names a baud mismatch once when the device sends high-byte garbage, and its recovery', async () => {
    const before = samplesOf('light').length
    // What a 115200-baud sketch looks like to a port at the wrong rate: mostly bytes above 0x7F.
    const chunks: Buffer[] = []
    for (let i = 0; i < 40; i++) {
      const junk = Buffer.from(randomBytes(12).map((b) => b | 0x80))
      chunks.push(junk, Buffer.from('\n'))
    }
    await device.write(Buffer.concat(chunks))
    await waitFor(() => bridge.messages().some((m) => m.includes('garbled lines in')), {
      timeout: 10_000,
      message: 'the baud mismatch message',
    })
    const msg = bridge.messages().find((m) => m.includes('garbled lines in'))!
    expect(msg).toMatch(
      new RegExp(
        `^Port ${bridgeEnd()} gave \\d+ garbled lines in [\\d.]+ s: the baud rate \\(115200\\) probably does not match the sketch's Serial\\.begin\\(…\\)\\. Try --baud 9600\\.$`,
      ),
    )
    expect(bridge.messages().filter((m) => m.includes('garbled lines in'))).toHaveLength(1)
    let text = ''
    for (let seq = 200; seq < 230; seq++) text += formatLine(seq, [600, 22])
    await device.write(text)
    await waitFor(() => bridge.messages().some((m) => m.includes('gives good lines again')), {
      timeout: 10_000,
      message: 'the recovery message',
    })
    await waitFor(() => samplesOf('light').some((s) => s.seq === 229), {
      timeout: 10_000,
      message: 'seq 229',
    })
    const after = samplesOf('light').slice(before)
    expect(after.map((s) => s.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 200 + i))
    expect(source().counters.rejectedBy.garbled).toBeGreaterThanOrEqual(40)
  })

  it('forwards a rate command to the device as R<hz> and logs its acknowledgement', async () => {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    await client.publishAsync(rateTopic('sluice', 'arduino'), '{"hz":20}', { qos: 1 })
    await waitFor(() => device.received().includes('R20\n'), {
      timeout: 10_000,
      message: 'R20 at the device',
    })
    await device.write('OK R20\n')
    await waitFor(() => source().ackedHz === 20, {
      timeout: 10_000,
      message: 'the acknowledgement',
    })
    expect(bridge.messages()).toContain('Device acknowledged R20')
    await client.endAsync()
  })

  it('survives the device vanishing, says so, and resumes when it is back (re-sending the rate)', async () => {
    await device.close()
    await ptys.stop()
    await waitFor(() => source().link.state === 'waiting', {
      timeout: 10_000,
      message: 'the bridge to notice',
    })
    expect(bridge.messages().some((m) => m.startsWith(`Port ${bridgeEnd()} closed`))).toBe(true)
    // A rate command while the device is away is kept for its return.
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    await client.publishAsync(rateTopic('sluice', 'arduino'), '{"hz":5}', { qos: 1 })
    await waitFor(
      () => bridge.messages().some((m) => m.includes('R5 will be sent when it is back')),
      {
        timeout: 10_000,
      },
    )
    await client.endAsync()
    await waitFor(
      () => bridge.messages().some((m) => m.includes('does not exist: is the board plugged in?')),
      {
        timeout: 10_000,
        message: 'the missing-port message',
      },
    )

    ptys = await startLinkedPtys(socat.path!, bridgeEnd(), deviceEnd())
    device = await openDevice(deviceEnd())
    await waitFor(() => source().link.state === 'open' && source().link.opens === 2, {
      timeout: 10_000,
      message: 'the bridge to reconnect',
    })
    expect(
      bridge
        .messages()
        .some((m) => /^Port .* is back after [\d.]+ (s|ms); reading lines again$/.test(m)),
    ).toBe(true)
    await waitFor(() => device.received().includes('R5\n'), {
      timeout: 10_000,
      message: 'R5 re-sent',
    })
    let text = ''
    for (let seq = 0; seq < 10; seq++) text += formatLine(seq, [700 + seq, 23])
    await device.write(text)
    await waitFor(() => samplesOf('light').filter((s) => s.value >= 700).length >= 10, {
      timeout: 10_000,
      message: 'samples after the reconnect',
    })
    // Nothing bad ever reached the broker.
    expect(
      samplesOf('light').every((s) => Number.isFinite(s.value) && s.value >= 0 && s.value <= 1023),
    ).toBe(true)
    expect(samplesOf('light').length).toBe(samplesOf('temp').length)
  })
})

describe.skipIf(!socat.available)('serial bridge backpressure to the device', () => {
  let dir: TempDir
  let broker: RunningAedes | undefined
  let ptys: LinkedPtys
  let bridge: RunningBridge
  let device: Awaited<ReturnType<typeof openDevice>>

  beforeAll(async () => {
    dir = await tempDir('sluice-serial-bp-')
    broker = await startAedes()
    ptys = await startLinkedPtys(
      socat.path!,
      join(dir.path, 'ttyBridge'),
      join(dir.path, 'ttyDevice'),
    )
    bridge = await startBridge({
      broker: broker.url,
      instance: 'serial-bp',
      mode: 'serial',
      port: ptys.a,
      channels: 'light',
      resetDelayMs: 100,
      shutdownTimeoutMs: 200,
      governor: { holdMs: 200, ackTimeoutMs: 500 },
      hops: { raw: { queue: { capacity: 40 } } },
    })
    await waitFor(() => (bridge.bridge.source as SerialSource).link.state === 'open', {
      timeout: 10_000,
    })
    device = await openDevice(ptys.b)
  })

  afterAll(async () => {
    await device?.close()
    await bridge?.stop()
    await ptys?.stop()
    await broker?.stop()
    await dir?.remove()
  })

  it('asks the device to slow down when the raw queue fills, and falls back to edge drops when it does not answer', async () => {
    await device.write('# sluice-fw 1.0 rate=40 channels=light\n')
    // The broker goes away: the raw hop cannot deliver, and its queue (40 samples) fills up.
    await broker!.stop()
    broker = undefined
    let text = ''
    for (let seq = 0; seq < 100; seq++) text += formatLine(seq, [seq])
    await device.write(text)
    await waitFor(() => device.received().includes('R20\n'), {
      timeout: 10_000,
      message: 'R20 at the device',
    })
    expect(
      bridge
        .messages()
        .some((m) =>
          /^Outbound queue \d+% full: asked arduino to slow down from 40 to 20 Hz$/.test(m),
        ),
    ).toBe(true)
    await device.write('OK R20\n')
    // Still full: the next step; this time the device stays silent.
    await waitFor(() => device.received().includes('R10\n'), {
      timeout: 10_000,
      message: 'R10 at the device',
    })
    await waitFor(
      () => bridge.messages().some((m) => m.startsWith('arduino did not acknowledge R10')),
      {
        timeout: 10_000,
        message: 'the unresponsive-device warning',
      },
    )
    const governor = (bridge.bridge.source as SerialSource).governor!
    expect(governor.unresponsive).toBe(true)
    expect(bridge.handle.context.name).toBe('serial-bridge')
  })
})
