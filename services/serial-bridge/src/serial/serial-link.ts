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
import { ReadlineParser } from '@serialport/parser-readline'
import { SerialPort } from 'serialport'
import { silentLogger, type BridgeLogger } from '../logger.js'
import { epochMs } from '@sluice/contract'

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

const defaultPortFactory: PortFactory = ({ path, baudRate }) =>
  new SerialPort({ path, baudRate, autoOpen: false })

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
  const maxLineBytes = options.maxLineBytes ?? 1024
  const initialMs = options.backoff?.initialMs ?? 500
  const maxMs = options.backoff?.maxMs ?? 10_000
  const factor = options.backoff?.factor ?? 2
  const now = options.now ?? epochMs

  let state: SerialLinkState = 'idle'
  let port: SerialPortLike | undefined
  let parser: ReadlineParser | undefined
  let timer: NodeJS.Timeout | undefined
  let attempt = 0
  let opens = 0
  let lastProblem = ''
  let downSince = 0
  // Reading state of the current connection.
  let skipToNewline = false
  let sinceNewline = 0
  let discarded = 0
  let lastDiscarded = 0x0a

  const setState = (s: SerialLinkState): void => {
    if (state === s) return
    state = s
    options.onState?.(s)
  }

  const newParser = (): ReadlineParser => {
    // latin1 maps each byte to one character, so garbage stays visible as bytes above 0x7F for the
    // mismatch detector (utf8 would fold it into U+FFFD) and the checksum is computed over the bytes.
    const p = new ReadlineParser({ delimiter: '\n', encoding: 'latin1' })
    p.on('data', (line: string) => {
      options.onLine(line, now())
    })
    return p
  }

  /** Lets go of the port, its parser and any timer; resolves once the port is closed. */
  const dispose = (): Promise<void> => {
    const p = port
    port = undefined
    if (timer) clearTimeout(timer)
    timer = undefined
    parser?.removeAllListeners()
    parser?.destroy()
    parser = undefined
    if (p === undefined) return Promise.resolve()
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

  const scheduleRetry = (problem: string): void => {
    if (state === 'stopped') return
    void dispose()
    const delay = Math.min(maxMs, initialMs * factor ** attempt)
    attempt++
    if (problem !== lastProblem) {
      // Log each distinct problem once; the repeated retries of an unplugged board go to debug.
      log.warn(
        { port: path, retryInMs: delay },
        `${problem}. Retrying in ${formatMs(delay)}, with backoff up to ${formatMs(maxMs)}.`,
      )
      lastProblem = problem
    } else {
      log.debug({ port: path, retryInMs: delay, attempt }, `retrying ${path}`)
    }
    setState('waiting')
    timer = setTimeout(tryOpen, delay)
  }

  const onData = (chunk: Buffer): void => {
    if (state === 'settling') {
      discarded += chunk.length
      lastDiscarded = chunk[chunk.length - 1] ?? lastDiscarded
      return
    }
    if (state !== 'open' || parser === undefined) return
    let data = chunk
    if (skipToNewline) {
      const nl = data.indexOf(0x0a)
      if (nl < 0) return
      data = data.subarray(nl + 1)
      skipToNewline = false
      sinceNewline = 0
    }
    // Bound the parser's buffer: ReadlineParser keeps everything until a delimiter, and a baud mismatch
    // can go on for long without producing one. (A long line inside one chunk is bounded by the chunk
    // size and rejected as too long by the line parser.)
    const last = data.lastIndexOf(0x0a)
    if (last < 0) {
      sinceNewline += data.length
      if (sinceNewline > maxLineBytes) {
        options.onOverlong?.(sinceNewline, now())
        parser.removeAllListeners()
        parser.destroy()
        parser = newParser()
        skipToNewline = true
        sinceNewline = 0
        return
      }
    } else {
      sinceNewline = data.length - last - 1
    }
    parser.write(data)
  }

  const onOpened = (p: SerialPortLike): void => {
    if (p !== port) return
    setState('settling')
    discarded = 0
    lastDiscarded = 0x0a
    // Drop whatever the OS buffered before we opened.
    p.flush(() => undefined)
    timer = setTimeout(() => {
      timer = undefined
      if (p !== port) return
      parser = newParser()
      sinceNewline = 0
      // If the board was mid-line when the wait ended (a sketch that does not reset on open), the next
      // bytes finish a line whose start we threw away: skip to the next line break.
      skipToNewline = discarded > 0 && lastDiscarded !== 0x0a
      opens++
      const wasDown = downSince > 0 ? now() - downSince : 0
      attempt = 0
      lastProblem = ''
      downSince = 0
      log.info(
        { port: path, baudRate, discardedBytes: discarded, opens },
        opens === 1
          ? `Port ${path} open at ${baudRate} baud; reading lines`
          : `Port ${path} is back after ${formatMs(wasDown)}; reading lines again`,
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
    p.on('data', onData)
    p.on('error', (err) => {
      if (p !== port) return
      if (downSince === 0) downSince = now()
      scheduleRetry(describePortError(path, err))
    })
    p.on('close', (err) => {
      if (p !== port || state === 'stopped') return
      if (downSince === 0) downSince = now()
      const why = err ? ` (${err.message})` : ''
      scheduleRetry(`Port ${path} closed${why}: the device was unplugged or reset`)
    })
    p.open((err) => {
      if (p !== port) {
        // Stopped (or given up) while opening: do not leak the descriptor that just opened.
        if (!err && p.isOpen) p.close(() => undefined)
        return
      }
      if (err) {
        if (downSince === 0) downSince = now()
        scheduleRetry(describePortError(path, err))
        return
      }
      onOpened(p)
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
      if (state !== 'idle') return
      tryOpen()
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

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`
}
