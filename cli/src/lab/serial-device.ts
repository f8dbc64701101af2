/**
 * @module lab/serial-device
 * A device on a serial line, for the serial experiment: a socat pty pair (what one end writes, the other
 * reads; http://www.dest-unreach.org/socat/doc/socat.html, address type PTY) stands for the USB cable, and
 * this writer stands for the firmware. A pty has no baud rate of its own, so the writer paces itself as a
 * UART would: baud / 10 bytes per second, with the Arduino's 64-byte transmit buffer, whose `Serial.print`
 * blocks when it is full, so a sketch asked for more lines than the link carries slows down to the link.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { LabTimeoutError } from './errors.js'
import { BITS_PER_BYTE, receiveAtBaud } from './uart.js'

/** socat, if installed: its path, or undefined. */
export function findSocat(): string | undefined {
  if (existsSync('/usr/bin/socat')) return '/usr/bin/socat'
  const r = spawnSync('sh', ['-c', 'command -v socat'], { encoding: 'utf8' })
  const path = r.stdout.trim()
  return r.status === 0 && path !== '' ? path : undefined
}

/** A linked pair of ptys: write to `device`, the bridge opens `port`. */
export interface PtyPair {
  readonly device: string
  readonly port: string
  stop(): Promise<void>
}

/** Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and resolves with both paths. */
export function openPtyPair(socat: string): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(socat, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let err = ''
    const timer = setTimeout(() => {
      child.kill()
      reject(new LabTimeoutError(`socat did not link two ptys within 5 s: ${err}`))
    }, 5000)
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8')
      const paths = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!)
      if (paths.length < 2 || !/starting data transfer loop/.test(err)) return
      clearTimeout(timer)
      resolve({
        device: paths[0]!,
        port: paths[1]!,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill()
          }),
      })
    })
    child.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
}

/** Options of {@link runSerialDevice}. */
export interface SerialDeviceOptions {
  /** The pty end to write to. */
  readonly path: string
  /** The device's baud rate: it sends baud / 10 bytes per second at most. */
  readonly baud: number
  /** The receiver's baud rate, when it differs: the bytes are read as that receiver would (garbled). */
  readonly rxBaud?: number
  /** Lines per second the sketch wants to send; Infinity: as fast as the link takes them. */
  readonly rateHz: number
  /** The k-th line, with its `\n`. */
  readonly line: (k: number) => string
  readonly seconds: number
}

/** What the device did. */
export interface SerialDeviceReport {
  readonly lines: number
  readonly bytes: number
  readonly seconds: number
  /** Mean line length in bytes, `\n` included. */
  readonly lineBytes: number
}

const TX_BUFFER = 64

/**
 * Runs the device for `seconds`: lines are made at `rateHz` while the transmit buffer has room, and bytes
 * leave it at the UART's pace, written to the pty every few milliseconds.
 */
export async function runSerialDevice(o: SerialDeviceOptions): Promise<SerialDeviceReport> {
  const fh = await open(o.path, 'r+')
  const bytesPerSecond = o.baud / BITS_PER_BYTE
  const start = performance.now()
  const buffer: number[] = []
  let sent = 0
  let wireBytes = 0
  let lines = 0
  let lineBytes = 0
  let nextLineAt = 0
  try {
    for (;;) {
      const elapsed = (performance.now() - start) / 1000
      if (elapsed >= o.seconds) break
      // The UART owes this many bytes by now; the sketch refills its buffer as they leave (print()
      // blocks while it is full), so a late timer here is made up within the tick.
      let owed = Math.floor(elapsed * bytesPerSecond) - sent
      const out: number[] = []
      for (;;) {
        while (nextLineAt <= elapsed && buffer.length <= TX_BUFFER) {
          const bytes = Buffer.from(o.line(lines), 'ascii')
          buffer.push(...bytes)
          lines++
          lineBytes += bytes.length
          nextLineAt = Number.isFinite(o.rateHz)
            ? Math.max(nextLineAt + 1 / o.rateHz, elapsed - 1 / o.rateHz)
            : 0
        }
        if (owed <= 0 || buffer.length === 0) break
        const n = Math.min(owed, buffer.length)
        out.push(...buffer.splice(0, n))
        owed -= n
        sent += n
        wireBytes += n
      }
      // An idle line: the UART's clock runs on, nothing is owed for it.
      if (owed > 0) sent += owed
      if (out.length > 0) {
        const chunk = Uint8Array.from(out)
        const wire =
          o.rxBaud === undefined || o.rxBaud === o.baud
            ? chunk
            : receiveAtBaud(chunk, o.baud, o.rxBaud)
        if (wire.length > 0) await fh.write(wire)
      }
      await new Promise((r) => setTimeout(r, 4))
    }
  } finally {
    await fh.close()
  }
  return {
    lines,
    bytes: wireBytes,
    seconds: o.seconds,
    lineBytes: lines > 0 ? lineBytes / lines : 0,
  }
}
