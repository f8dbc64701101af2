/**
 * @module serial-lines
 * Test helper: opens a serial port (here, the emulator's pty) and records every received line with its
 * host arrival time, so tests can wait for a line and measure rates from arrival times.
 */
import { SerialPort } from 'serialport'

/** One line received from the device, without its terminator. */
export interface ReceivedLine {
  readonly text: string
  /** Host arrival time, `performance.now()` milliseconds. */
  readonly at: number
  /** Index in {@link SerialLines.lines}. */
  readonly index: number
}

/** A serial port read line by line. */
export interface SerialLines {
  readonly lines: readonly ReceivedLine[]
  write(text: string): Promise<void>
  /** The first line at or after `fromIndex` that matches, waiting up to `timeoutMs`. */
  waitFor(
    match: (line: ReceivedLine) => boolean,
    options?: { fromIndex?: number; timeoutMs?: number },
  ): Promise<ReceivedLine>
  close(): Promise<void>
}

/** Opens `path` at 115200 baud; `onOpen` runs once the port is open, before any byte is read. */
export async function openSerialLines(path: string, onOpen?: () => void): Promise<SerialLines> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false })
  const lines: ReceivedLine[] = []
  const waiters = new Set<() => void>()
  let partial = ''
  port.setEncoding('latin1')
  port.on('data', (chunk: string) => {
    const at = performance.now()
    partial += chunk
    let nl: number
    while ((nl = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, nl).replace(/\r$/, '')
      partial = partial.slice(nl + 1)
      lines.push({ text, at, index: lines.length })
    }
    for (const wake of waiters) wake()
  })
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err) reject(err)
      else resolve()
    })
  })
  onOpen?.()

  return {
    lines,
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        port.write(text, (err) => {
          if (err) reject(err)
          else port.drain(() => resolve())
        })
      }),
    waitFor: (match, options = {}) =>
      new Promise<ReceivedLine>((resolve, reject) => {
        let next = options.fromIndex ?? 0
        const timeoutMs = options.timeoutMs ?? 10_000
        const check = () => {
          for (; next < lines.length; next++) {
            const line = lines[next]!
            if (match(line)) {
              done()
              resolve(line)
              return
            }
          }
        }
        const timer = setTimeout(() => {
          done()
          const tail = lines
            .slice(-5)
            .map((l) => l.text)
            .join(' | ')
          reject(new Error(`no matching line within ${timeoutMs} ms; last lines: ${tail}`))
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) {
          resolve()
          return
        }
        port.close(() => resolve())
      }),
  }
}
