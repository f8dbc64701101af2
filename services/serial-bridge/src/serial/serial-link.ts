/**
 * @module serial/serial-link
 * One serial port, kept open for as long as the bridge runs (DESIGN.md §10). It opens the port, waits out
 * the reset that opening triggers on most Arduinos (the DTR line resets the board, whose bootloader then
 * listens for ~1–2 s before the sketch prints anything), discards what arrived meanwhile and the partial
 * line after it, splits the rest into lines with `@serialport/parser-readline`, and reconnects with
 * exponential backoff when the port vanishes (USB unplugged: a `close` event with `disconnected`) or is
 * missing at start. Every state change is logged once, in words an operator can act on; retries in between
 * are debug-level so an unplugged board does not flood the log.
 */
import { createRequire } from 'node:module'
import { silentLogger, type BridgeLogger } from '../logger.js'
import { epochMs } from '@sluice/contract'
import { createLineReader } from './line-reader.js'
import { createReconnectBackoff, formatMs } from './reconnect-backoff.js'

/** The part of a `SerialPort` the link uses (tests may inject a fake). */
export interface SerialPortLike {
  open(callback: (err: Error | null) => void): void
  close(callback?: (err: Error | null) => void): void
  write(data: string, callback?: (err: Error | null | undefined) => void): boolean
  flush(callback?: (err: Error | null) => void): void
  on(event: 'data', listener: (chunk: Buffer) => void): unknown
  on(event: 'close', listener: (err?: Error | null) => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  removeAllListeners(): unknown
  readonly isOpen: boolean
}

/** Opens nothing yet: builds a port object for `path` at `baudRate`. */
export type PortFactory = (options: { path: string; baudRate: number }) => SerialPortLike

/** Reconnection backoff: `initialMs · factor^attempt`, capped at `maxMs`. */
export interface BackoffOptions {
  readonly initialMs?: number
  readonly maxMs?: number
  readonly factor?: number
}

/** The link's states. */
export type SerialLinkState = 'idle' | 'opening' | 'settling' | 'open' | 'waiting' | 'stopped'

/** Options of {@link createSerialLink}. */
export interface SerialLinkOptions {
  readonly path: string
  readonly baudRate: number
  /** How long to wait after opening before reading lines (default 2000 ms: an Uno's bootloader). */
  readonly resetDelayMs?: number
  readonly backoff?: BackoffOptions
  /** Longest line accepted, in bytes; longer runs without `\n` are dropped and reported (default 1024). */
  readonly maxLineBytes?: number
  /** Called with each complete line (without `\n`) and the time it was read. */
  readonly onLine: (line: string, ingest: number) => void
  /** Called when a run of `maxLineBytes` bytes without a line break was dropped. */
  readonly onOverlong?: (bytes: number, ingest: number) => void
  /** Called on every state change; `open` means lines are flowing (the reset has been waited out). */
  readonly onState?: (state: SerialLinkState) => void
  readonly openPort?: PortFactory
  readonly logger?: BridgeLogger
  /** Wall clock in ms (default `epochMs()` from the contract, which has a fraction). */
  readonly now?: () => number
}

/** A serial link. */
export interface SerialLink {
  /** Starts opening the port (and retrying until it opens). */
  start(): void
  /** Closes the port and stops retrying. */
  stop(): Promise<void>
  /** Writes `text` if the link is open; returns false when it is not (nothing is queued). */
  write(text: string): boolean
  readonly state: SerialLinkState
  /** Successful opens so far (1 after the first, 2 after one reconnect, …). */
  readonly opens: number
}

// serialport (its native binding included, about 11 MB of RSS) is loaded when a port is first opened, so
// a bridge that simulates or replays never loads it (issue 16). It ships CommonJS: a synchronous require.
const defaultPortFactory: PortFactory = ({ path, baudRate }) => {
  const { SerialPort } = createRequire(import.meta.url)('serialport') as typeof import('serialport')
  return new SerialPort({ path, baudRate, autoOpen: false })
}

/** Turns an open or I/O error into the sentence an operator needs. */
export function describePortError(path: string, err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined
  const message = typeof e?.message === 'string' ? e.message : String(err)
  const code = typeof e?.code === 'string' ? e.code : ''
  if (code === 'ENOENT' || /ENOENT|No such file/i.test(message))
    return `Port ${path} does not exist: is the board plugged in? (list ports with --list)`
  if (code === 'EACCES' || /EACCES|Permission denied/i.test(message))
    return `Port ${path} is not accessible (permission denied): add your user to the 'dialout' group, then log in again`
  if (/lock|EBUSY|Resource temporarily unavailable/i.test(message))
    return `Port ${path} is in use by another program (an Arduino IDE serial monitor?): close it`
  return `Port ${path} failed: ${message}`
}

/**
 * Creates a serial link; call `start()` to open it.
 *
 * @example
 * ```ts
 * const link = createSerialLink({
 *   path: '/dev/ttyACM0', baudRate: 115200,
 *   onLine: (line, ingest) => intake.accept(line, ingest),
 * })
 * link.start()
 * link.write('R20\n')
 * ```
 */
export function createSerialLink(options: SerialLinkOptions): SerialLink {
  const { path, baudRate } = options
  const log = options.logger ?? silentLogger
  const openPort = options.openPort ?? defaultPortFactory
  const resetDelayMs = options.resetDelayMs ?? 2000
  const now = options.now ?? epochMs
  const backoff = createReconnectBackoff(path, options.backoff, log, now)
  const reader = createLineReader({
    maxLineBytes: options.maxLineBytes ?? 1024,
    onLine: options.onLine,
    onOverlong: options.onOverlong,
    now,
  })

  let state: SerialLinkState = 'idle'
  let port: SerialPortLike | undefined
  let timer: NodeJS.Timeout | undefined
  let opens = 0

  const setState = (s: SerialLinkState): void => {
    if (state === s) return
    state = s
    options.onState?.(s)
  }

  /** Lets go of the port, its parser and any timer; resolves once the port is closed. */
  const dispose = (): Promise<void> => {
    const p = port
    port = undefined
    if (timer) clearTimeout(timer)
    timer = undefined
    reader.close()
    return p === undefined ? Promise.resolve() : releasePort(p)
  }

  const scheduleRetry = (problem: string): void => {
    if (state === 'stopped') return
    void dispose()
    const delay = backoff.next(problem)
    setState('waiting')
    timer = setTimeout(tryOpen, delay)
  }

  const onData = (chunk: Buffer): void => {
    if (state === 'settling') reader.discard(chunk)
    else if (state === 'open') reader.feed(chunk)
  }

  const onOpened = (p: SerialPortLike): void => {
    if (p !== port) return
    setState('settling')
    reader.settle()
    // Drop whatever the OS buffered before we opened.
    p.flush(() => undefined)
    timer = setTimeout(() => {
      timer = undefined
      if (p !== port) return
      reader.begin()
      opens++
      const wasDown = backoff.reset()
      log.info(
        { port: path, baudRate, discardedBytes: reader.discarded, opens },
        describeOpened(path, baudRate, opens, wasDown),
      )
      setState('open')
    }, resetDelayMs)
  }

  const tryOpen = (): void => {
    timer = undefined
    if (state === 'stopped') return
    setState('opening')
    let p: SerialPortLike
    try {
      p = openPort({ path, baudRate })
    } catch (err) {
      scheduleRetry(describePortError(path, err))
      return
    }
    port = p
    watchPort(p, path, {
      isCurrent: () => p === port,
      isStopped: () => state === 'stopped',
      data: onData,
      failed: (problem) => {
        backoff.markDown()
        scheduleRetry(problem)
      },
      opened: () => {
        onOpened(p)
      },
    })
  }

  return {
    get state() {
      return state
    },
    get opens() {
      return opens
    },
    start() {
      if (state === 'idle') tryOpen()
    },
    stop() {
      if (state === 'stopped') return Promise.resolve()
      setState('stopped')
      return dispose()
    },
    write(text) {
      if (state !== 'open' || port === undefined) return false
      port.write(text, () => undefined)
      return true
    },
  }
}

/** Lets go of a port: stops listening to it and closes it if open; resolves once it is closed. */
function releasePort(p: SerialPortLike): Promise<void> {
  p.removeAllListeners()
  // A vanished port may still report errors; they are expected and must not crash the process.
  p.on('error', () => undefined)
  if (!p.isOpen) return Promise.resolve()
  return new Promise<void>((resolve) => {
    p.close(() => {
      resolve()
    })
  })
}

/** What the log says when a port opens: the first time, or back after `wasDown` ms. */
function describeOpened(path: string, baudRate: number, opens: number, wasDown: number): string {
  return opens === 1
    ? `Port ${path} open at ${baudRate} baud; reading lines`
    : `Port ${path} is back after ${formatMs(wasDown)}; reading lines again`
}

/** What {@link watchPort} tells the link about one port. */
interface PortEvents {
  /** Whether this port is still the link's current one (not replaced or let go). */
  readonly isCurrent: () => boolean
  readonly isStopped: () => boolean
  readonly data: (chunk: Buffer) => void
  /** The port failed to open, failed, or closed, for the reason given. */
  readonly failed: (problem: string) => void
  /** The port opened. */
  readonly opened: () => void
}

/** Listens to a port's data, errors and closing, and opens it; events of a port no longer current are ignored. */
function watchPort(p: SerialPortLike, path: string, events: PortEvents): void {
  p.on('data', events.data)
  p.on('error', (err) => {
    if (!events.isCurrent()) return
    events.failed(describePortError(path, err))
  })
  p.on('close', (err) => {
    if (!events.isCurrent() || events.isStopped()) return
    const why = err ? ` (${err.message})` : ''
    events.failed(`Port ${path} closed${why}: the device was unplugged or reset`)
  })
  p.open((err) => {
    if (!events.isCurrent()) {
      // Stopped (or given up) while opening: do not leak the descriptor that just opened.
      if (!err && p.isOpen) p.close(() => undefined)
      return
    }
    if (err) {
      events.failed(describePortError(path, err))
      return
    }
    events.opened()
  })
}
