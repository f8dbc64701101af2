import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSerialLink, describePortError, type SerialPortLike } from './serial-link.js'

/** A fake port: `open` fails while `present` is false; tests push bytes with `feed`. */
class FakePort extends EventEmitter implements SerialPortLike {
  isOpen = false
  written: string[] = []
  constructor(private readonly world: { present: boolean; ports: FakePort[] }) {
    super()
    world.ports.push(this)
  }
  open(cb: (err: Error | null) => void): void {
    setTimeout(() => {
      if (!this.world.present) {
        cb(
          Object.assign(new Error('Error: No such file or directory, cannot open /dev/fake'), {
            code: 'ENOENT',
          }),
        )
        return
      }
      this.isOpen = true
      cb(null)
    }, 1)
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
  feed(text: string | Buffer): void {
    this.emit('data', typeof text === 'string' ? Buffer.from(text, 'latin1') : text)
  }
  unplug(): void {
    this.isOpen = false
    this.emit('close', Object.assign(new Error('disconnected'), { disconnected: true }))
  }
}

function setup(present = true) {
  const world = { present, ports: [] as FakePort[] }
  const lines: string[] = []
  const states: string[] = []
  const warnings: string[] = []
  const infos: string[] = []
  const overlong: number[] = []
  const logger = {
    info: (_o: object | string, msg?: string) => infos.push(msg ?? ''),
    warn: (_o: object | string, msg?: string) => warnings.push(msg ?? ''),
    error: () => undefined,
    debug: () => undefined,
  }
  const link = createSerialLink({
    path: '/dev/fake',
    baudRate: 115200,
    resetDelayMs: 2000,
    backoff: { initialMs: 500, maxMs: 4000 },
    maxLineBytes: 64,
    openPort: () => new FakePort(world),
    onLine: (l) => lines.push(l),
    onState: (s) => states.push(s),
    onOverlong: (n) => overlong.push(n),
    logger,
  })
  const port = () => world.ports[world.ports.length - 1]!
  return { world, link, lines, states, warnings, infos, overlong, port }
}

describe('createSerialLink', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('waits out the reset, discarding boot garbage and the partial line after it', async () => {
    const s = setup()
    s.link.start()
    await vi.advanceTimersByTimeAsync(1)
    expect(s.link.state).toBe('settling')
    s.port().feed('\u00ff\u00fe bootloader noise\n12,3')
    expect(s.link.write('R5\n')).toBe(false)
    await vi.advanceTimersByTimeAsync(2000)
    expect(s.link.state).toBe('open')
    s.port().feed('45\n13,346\n14,')
    s.port().feed('347\n')
    expect(s.lines).toEqual(['13,346', '14,347'])
    expect(s.link.write('R5\n')).toBe(true)
    expect(s.port().written).toEqual(['R5\n'])
    expect(s.infos).toEqual(['Port /dev/fake open at 115200 baud; reading lines'])
    await s.link.stop()
    expect(s.link.state).toBe('stopped')
  })

  it('keeps the first line when the wait ends on a line break', async () => {
    const s = setup()
    s.link.start()
    await vi.advanceTimersByTimeAsync(2001)
    s.port().feed('1,2\n')
    expect(s.lines).toEqual(['1,2'])
    await s.link.stop()
  })

  it('retries with exponential backoff while the port is missing, logging the problem once', async () => {
    const s = setup(false)
    s.link.start()
    await vi.advanceTimersByTimeAsync(1) // attempt 1 fails, retry in 500
    await vi.advanceTimersByTimeAsync(501) // attempt 2 fails, retry in 1000
    await vi.advanceTimersByTimeAsync(1001) // attempt 3 fails, retry in 2000
    await vi.advanceTimersByTimeAsync(2001) // attempt 4 fails, retry in 4000 (cap)
    await vi.advanceTimersByTimeAsync(4001) // attempt 5 fails, retry in 4000
    expect(s.world.ports).toHaveLength(5)
    expect(s.warnings).toEqual([
      'Port /dev/fake does not exist: is the board plugged in? (list ports with --list). Retrying in 500 ms, with backoff up to 4 s.',
    ])
    s.world.present = true
    await vi.advanceTimersByTimeAsync(4001 + 2000)
    expect(s.link.state).toBe('open')
    expect(s.link.opens).toBe(1)
    await s.link.stop()
  })

  it('reconnects after the device vanishes and says when it is back', async () => {
    const s = setup()
    s.link.start()
    await vi.advanceTimersByTimeAsync(2001)
    s.port().feed('1,1\n')
    s.world.present = false
    s.port().unplug()
    expect(s.link.state).toBe('waiting')
    expect(s.warnings[0]).toMatch(
      /^Port \/dev\/fake closed \(disconnected\): the device was unplugged or reset/,
    )
    await vi.advanceTimersByTimeAsync(501)
    expect(s.warnings[1]).toMatch(/does not exist/)
    s.world.present = true
    await vi.advanceTimersByTimeAsync(1001 + 2000)
    expect(s.link.state).toBe('open')
    expect(s.link.opens).toBe(2)
    expect(s.infos[1]).toMatch(/^Port \/dev\/fake is back after 3\.\d s; reading lines again$/)
    s.port().feed('2,2\n')
    expect(s.lines).toEqual(['1,1', '2,2'])
    expect(s.states).toEqual([
      'opening',
      'settling',
      'open',
      'waiting',
      'opening',
      'waiting',
      'opening',
      'settling',
      'open',
    ])
    await s.link.stop()
  })

  it('drops a run without line breaks longer than the limit and resumes at the next line', async () => {
    const s = setup()
    s.link.start()
    await vi.advanceTimersByTimeAsync(2001)
    s.port().feed(Buffer.alloc(40, 0xaa))
    s.port().feed(Buffer.alloc(40, 0xbb))
    expect(s.overlong).toEqual([80])
    s.port().feed(Buffer.alloc(100, 0xcc))
    s.port().feed('tail\n5,5\n')
    expect(s.lines).toEqual(['5,5'])
    await s.link.stop()
  })
})

describe('createSerialLink stopped while opening', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('closes the port that finishes opening after stop', async () => {
    const s = setup()
    s.link.start()
    await s.link.stop()
    await vi.advanceTimersByTimeAsync(5)
    expect(s.world.ports).toHaveLength(1)
    expect(s.port().isOpen).toBe(false)
    expect(s.link.state).toBe('stopped')
  })
})

describe('describePortError', () => {
  it('explains the usual open failures', () => {
    expect(
      describePortError(
        '/dev/x',
        Object.assign(new Error('Permission denied'), { code: 'EACCES' }),
      ),
    ).toMatch(/dialout/)
    expect(
      describePortError(
        '/dev/x',
        new Error('Error Resource temporarily unavailable Cannot lock port'),
      ),
    ).toMatch(/in use by another program/)
    expect(describePortError('/dev/x', new Error('weird'))).toBe('Port /dev/x failed: weird')
  })
})
