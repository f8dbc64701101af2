/**
 * Backpressure to the device (DESIGN.md §5), end to end: the bridge on one end of a socat pty pair, a fake
 * device on the other that sends `seq,value` lines at its own rate and, if it is the answering kind,
 * obeys `R<hz>` with `OK R<hz>`. The pressure comes from downstream: a "windowing" instance publishes
 * metrics whose raw hop is `critical`, as a consumer that cannot keep up would. Checks what the device is
 * told, the `device` hop in the bridge's own metrics, and the samples at the broker. Skipped when socat is
 * missing, unless SLUICE_REQUIRE_EXTERNAL=1.
 */
import { join } from 'node:path'
import {
  decodeMetrics,
  decodeRawSamples,
  formatLine,
  metricsTopic,
  rawFilter,
  type HopMetrics,
  type ServiceMetrics,
} from '@sluice/contract'
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
import mqtt, { type MqttClient } from 'mqtt'
import { SerialPort } from 'serialport'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SerialSource } from '../src/internal.js'
import { startBridge, startLinkedPtys, type LinkedPtys, type RunningBridge } from './helpers.js'

const socat = findProgram('socat')

/** A device that samples at `hz` and, when `answers`, obeys `R<hz>` (as firmware/README.md says). */
async function startFakeDevice(path: string, hz: number, answers: boolean) {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
  port.on('error', () => undefined)
  const commands: number[] = []
  let rate = hz
  let seq = 0
  let pending = ''
  port.on('data', (d: Buffer) => {
    pending += d.toString('latin1')
    let nl: number
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim()
      pending = pending.slice(nl + 1)
      const m = /^R(\d+(?:\.\d+)?)$/.exec(line)
      if (m === null) continue
      commands.push(Number(m[1]))
      if (!answers) continue
      rate = Number(m[1])
      port.write(`OK R${m[1]}\n`)
    }
  })
  port.write(`# sluice-fw 1.0 rate=${hz} channels=light\n`)
  // Scheduled on a clock, like the firmware: `rate` lines per second on average.
  const started = performance.now()
  let sentBy = started
  const timer = setInterval(() => {
    const t = performance.now()
    let text = ''
    while (sentBy + 1000 / rate <= t) {
      sentBy += 1000 / rate
      text += formatLine(seq, [seq % 1000])
      seq++
    }
    if (text !== '') port.write(text)
  }, 10)
  return {
    commands,
    get rate() {
      return rate
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer)
        if (port.isOpen) port.close(() => resolve())
        else resolve()
      }),
  }
}

describe.skipIf(!socat.available)('backpressure from downstream to the device', () => {
  let dir: TempDir
  let broker: RunningAedes
  let ptys: LinkedPtys
  let bridge: RunningBridge
  let sysMetrics: MessageCollector
  let raw: MessageCollector
  let operator: MqttClient
  let pressure: NodeJS.Timeout | undefined
  let device: Awaited<ReturnType<typeof startFakeDevice>> | undefined

  /** Publishes, every 200 ms, metrics of a windowing instance whose raw hop is in `state`. */
  function reportDownstream(state: HopMetrics['state']): void {
    if (pressure) clearInterval(pressure)
    const hop: HopMetrics = {
      direction: 'in',
      topic: rawFilter('sluice'),
      qos: 1,
      policy: 'drop-oldest',
      in: 1000,
      out: 900,
      dropped: { oldest: 100 },
      rejected: 0,
      queue: { length: 990, capacity: 1000 },
      state,
    }
    const send = () => {
      const m: ServiceMetrics = {
        service: 'windowing',
        instance: 'w9',
        t: Date.now(),
        hops: { raw: hop },
      }
      void operator.publishAsync(metricsTopic('sluice', 'windowing', 'w9'), JSON.stringify(m))
    }
    send()
    pressure = setInterval(send, 200)
  }

  /** The `device` hop of the bridge's newest metrics message. */
  function deviceHop(): HopMetrics | undefined {
    const own = sysMetrics.messages.filter((m) => m.topic.includes('/serial-bridge/'))
    const last = own.at(-1)
    if (last === undefined) return undefined
    const r = decodeMetrics(last.payload)
    if (!r.ok) throw r.error
    return r.value.hops.device
  }

  /** Light samples received at the broker since `from` (ms since the epoch), per second. */
  function brokerRate(from: number): number {
    const samples = raw.messages
      .filter((m) => m.receivedAt >= from)
      .flatMap((m) => {
        const r = decodeRawSamples(m.payload)
        if (!r.ok) throw r.error
        return r.value
      })
    return (samples.length * 1000) / (Date.now() - from)
  }

  beforeEach(async () => {
    dir = await tempDir('sluice-bp-')
    broker = await startAedes()
    ptys = await startLinkedPtys(
      socat.path!,
      join(dir.path, 'ttyBridge'),
      join(dir.path, 'ttyDevice'),
    )
    sysMetrics = await collectMessages(broker.url, metricsTopic('sluice', 'serial-bridge', 'bp'))
    raw = await collectMessages(broker.url, rawFilter('sluice'), { qos: 1 })
    operator = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    bridge = await startBridge({
      broker: broker.url,
      instance: 'bp',
      mode: 'serial',
      port: ptys.a,
      channels: 'light',
      resetDelayMs: 100,
      shutdownTimeoutMs: 200,
      batch: { maxSamples: 10, maxDelayMs: 20 },
      governor: { holdMs: 300, ackTimeoutMs: 800, minHz: 10, downstreamTtlMs: 1000 },
    })
    await waitFor(() => (bridge.bridge.source as SerialSource).link.state === 'open', {
      timeout: 5000,
      message: 'the port to open',
    })
  })

  afterEach(async () => {
    if (pressure) clearInterval(pressure)
    pressure = undefined
    await device?.close()
    await bridge?.stop()
    await operator?.endAsync()
    await raw?.close()
    await sysMetrics?.close()
    await ptys?.stop()
    await broker?.stop()
    await dir?.remove()
  })

  it('lowers the rate of a device that answers while a consumer is critical, and restores it after', async () => {
    device = await startFakeDevice(ptys.b, 40, true)
    await waitFor(() => deviceHop()?.device?.targetHz === 40, {
      timeout: 5000,
      message: 'the announced rate as target in the device hop',
    })
    expect(deviceHop()).toMatchObject({ state: 'ok', device: { mode: 'free', pressure: 'none' } })

    reportDownstream('critical')
    await waitFor(() => device!.rate === 10, { timeout: 5000, message: 'the device at 10 Hz' })
    expect(device.commands).toEqual([20, 10])
    await waitFor(() => deviceHop()?.device?.ackedHz === 10, { timeout: 3000 })
    expect(deviceHop()).toMatchObject({
      state: 'warning',
      dropped: {},
      device: {
        mode: 'throttled',
        pressure: 'downstream',
        appliedHz: 10,
        targetHz: 40,
        commands: 2,
      },
    })
    expect(bridge.messages()).toContain(
      'windowing/w9 raw is critical: asked arduino to slow down from 40 to 20 Hz',
    )
    // What reaches the broker follows the device.
    const from = Date.now()
    await new Promise((r) => setTimeout(r, 1000))
    expect(brokerRate(from)).toBeLessThan(16)

    // The consumer recovers: its next report clears the pressure; the rate comes back step by step.
    reportDownstream('ok')
    await waitFor(() => device!.rate === 40, { timeout: 5000, message: 'the device back at 40 Hz' })
    expect(device.commands).toEqual([20, 10, 20, 40])
    await waitFor(() => deviceHop()?.device?.ackedHz === 40, { timeout: 3000 })
    expect(deviceHop()).toMatchObject({ state: 'ok', device: { mode: 'free', pressure: 'none' } })
    expect((bridge.bridge.source as SerialSource).edgeDropped).toBe(0)
  })

  it('drops at the edge, counted, when the device does not answer, until the pressure clears', async () => {
    device = await startFakeDevice(ptys.b, 40, false)
    await waitFor(() => deviceHop()?.device?.targetHz === 40, { timeout: 5000 })

    reportDownstream('critical')
    await waitFor(
      () => bridge.messages().some((m) => m.startsWith('arduino did not acknowledge R20')),
      { timeout: 5000, message: 'the unresponsive-device warning' },
    )
    await waitFor(() => deviceHop()?.device?.mode === 'edge' && deviceHop()!.state === 'critical', {
      timeout: 5000,
      message: 'the device hop in edge mode, critical',
    })
    // The governor goes on at the edge: 20, then 10 lines per second kept out of 40.
    await waitFor(() => deviceHop()?.device?.appliedHz === 10, { timeout: 5000 })
    expect(device.commands).toEqual([20])
    const from = Date.now()
    await new Promise((r) => setTimeout(r, 1500))
    const kept = brokerRate(from)
    expect(kept).toBeGreaterThan(6)
    expect(kept).toBeLessThan(15)
    const hop = deviceHop()!
    expect(hop.dropped.edge).toBeGreaterThan(20)
    expect(hop.device!.edgeDropped).toBe(hop.dropped.edge)
    expect(hop.in - hop.out).toBe(hop.dropped.edge)
    const source = bridge.bridge.source as SerialSource
    expect(source.edgeDropped).toBeGreaterThanOrEqual(hop.dropped.edge!)

    // Pressure gone: the edge lets everything through again, and the drop count stops.
    reportDownstream('ok')
    await waitFor(() => source.governor!.edgeHz === undefined, {
      timeout: 5000,
      message: 'the edge limit lifted',
    })
    const dropped = source.edgeDropped
    await new Promise((r) => setTimeout(r, 500))
    expect(source.edgeDropped).toBe(dropped)
    expect(device.commands).toEqual([20])
  })
})
