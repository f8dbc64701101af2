import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SerialPortLike } from '../serial/serial-link.js'
import { createSerialSource } from './serial-source.js'
import type { Reading } from './source.js'

class FakePort extends EventEmitter implements SerialPortLike {
  isOpen = false
  written: string[] = []
  open(cb: (err: Error | null) => void): void {
    this.isOpen = true
    setTimeout(() => cb(null), 1)
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false
    cb?.(null)
  }
  write(data: string): boolean {
    this.written.push(data)
    return true
  }
  flush(cb?: (err: Error | null) => void): void {
    cb?.(null)
  }
  feed(text: string): void {
    this.emit('data', Buffer.from(text, 'latin1'))
  }
}

describe('createSerialSource', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  async function setup(rateHz?: number) {
    const port = new FakePort()
    const readings: Reading[] = []
    const infos: string[] = []
    const warns: string[] = []
    let fill = 0
    vi.setSystemTime(1_000_000)
    const source = createSerialSource({
      device: 'arduino',
      port: '/dev/fake',
      baudRate: 115200,
      channels: ['light', 'temp'],
      resetDelayMs: 100,
      ...(rateHz !== undefined ? { rateHz } : {}),
      governor: { holdMs: 1000, ackTimeoutMs: 2000 },
      openPort: () => port,
      now: () => Date.now(),
      logger: {
        info: (_o: object | string, m?: string) => infos.push(m ?? ''),
        warn: (_o: object | string, m?: string) => warns.push(m ?? ''),
        error: () => undefined,
        debug: () => undefined,
      },
    })
    await source.start({ reading: (r) => readings.push(r), congestion: () => fill })
    await vi.advanceTimersByTimeAsync(101)
    const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms)
    return { port, source, readings, infos, warns, setFill: (f: number) => (fill = f), advance }
  }

  it('turns sample lines into readings stamped with the read time', async () => {
    const s = await setup()
    const at = Date.now()
    s.port.feed('7,450,21.5\r\n')
    expect(s.readings).toEqual([
      { device: 'arduino', seq: 7, t: at, values: [450, 21.5], ingest: at },
    ])
    await s.source.stop()
  })

  it('asks for the configured rate when the device connects', async () => {
    const s = await setup(20)
    expect(s.port.written).toEqual(['R20\n'])
    expect(s.infos).toContain('Asked arduino for 20 Hz (R20)')
    await s.source.stop()
  })

  it('slows the device down under pressure and restores its announced rate when it clears', async () => {
    const s = await setup()
    s.port.feed('# sluice-fw 1.0 rate=40 channels=light,temp\n')
    s.setFill(0.9)
    await s.advance(1250)
    expect(s.port.written).toEqual(['R20\n'])
    s.port.feed('OK R20\n')
    expect(s.infos).toContain(
      'Outbound queue 90% full: asked arduino to slow down from 40 to 20 Hz',
    )
    s.setFill(0.1)
    await s.advance(2250)
    expect(s.port.written).toEqual(['R20\n', 'R40\n'])
    expect(s.source.governor?.throttled).toBe(false)
    await s.source.stop()
  })

  it('falls back to edge drops when the device ignores rate commands, and says so once', async () => {
    const s = await setup(100)
    s.setFill(0.95)
    await s.advance(1000)
    expect(s.port.written).toEqual(['R100\n', 'R50\n'])
    await s.advance(5000)
    expect(s.port.written).toEqual(['R100\n', 'R50\n'])
    expect(s.warns.filter((w) => w.includes('did not acknowledge R50'))).toHaveLength(1)
    await s.source.stop()
  })
})
