/**
 * @module emulator
 * Boots the firmware in `qemu-system-avr` (an Arduino Uno: `-machine uno`) with the board's serial port
 * on a pseudo-terminal, so the serial bridge or a test opens it like a real `/dev/ttyACM0`. QEMU prints
 * the pty it created (`char device redirected to /dev/pts/N (label serial0)`); the harness parses it.
 *
 * QEMU runs without `-icount`: under `-icount` any access to an AVR timer register aborts QEMU 7.2 with
 * "Bad icount read", and `align=on` ran the guest at a fraction of real time on a loaded host. Without it,
 * the emulated Timer1 follows the host clock, which the firmware polls, so rates are real-time. The price
 * is one host core spinning while the emulator runs (AVR `sleep` never returns to the main loop in QEMU),
 * so the emulator is started with a raised niceness and tests keep it short.
 *
 * A pty drops what the device writes while no one has it open, so a caller that wants the boot line starts
 * the emulator `paused`, opens the pty, then calls `resume()`.
 */
import { spawn } from 'node:child_process'
import { setPriority } from 'node:os'
import { EmulatorError } from './errors.js'
import { requireTool } from './tools.js'

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /**
   * Start with the CPU stopped (QEMU `-S`, with its monitor on stdin) until `resume()`, so that whoever
   * opens the pty first sees the boot line (default false: the firmware runs at once).
   */
  readonly paused?: boolean
  /** The emulator (default `qemu-system-avr` on `PATH`). */
  readonly qemu?: string
  /** Niceness of the QEMU process (default 10), because it keeps one host core busy. */
  readonly niceness?: number
  /** How long to wait for QEMU to report its pty, in milliseconds (default 10 000). */
  readonly startTimeoutMs?: number
}

/** A running emulator. */
export interface RunningEmulator {
  /** The pseudo-terminal that is the board's serial port, e.g. `/dev/pts/3`. */
  readonly ptyPath: string
  /** QEMU's process id. */
  readonly pid: number
  /** Starts the CPU of an emulator started `paused`; does nothing otherwise or when already running. */
  resume(): void
  /** Stops QEMU (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>
  /** Resolves with QEMU's exit code (or `null` when killed by a signal) once it exits. */
  readonly exited: Promise<number | null>
  /** Everything QEMU printed so far (stdout and stderr), for diagnostics. */
  output(): string
}

const PTY_LINE = /char device redirected to (\S+) \(label ([^)\s]+)\)/g

/**
 * The pty of the first serial port QEMU reports in `text` (its `char device redirected to …` line), or
 * `undefined` when there is none yet.
 *
 * @example
 * ```ts
 * parsePtyPath('char device redirected to /dev/pts/4 (label serial0)\n') // '/dev/pts/4'
 * ```
 */
export function parsePtyPath(text: string): string | undefined {
  let first: string | undefined
  for (const m of text.matchAll(PTY_LINE)) {
    const [, path, label] = m
    if (label === 'serial0') return path
    first ??= path
  }
  return first
}

/**
 * The `qemu-system-avr` arguments that boot `elfPath` on an emulated Uno with its serial port on a pty.
 *
 * @example
 * ```ts
 * emulatorArgs('/tmp/fw.elf') // ['-machine', 'uno', '-bios', '/tmp/fw.elf', '-nographic', …]
 * ```
 */
export function emulatorArgs(elfPath: string, options: { paused?: boolean } = {}): string[] {
  const args = ['-machine', 'uno', '-bios', elfPath, '-nographic', '-serial', 'pty']
  return options.paused === true
    ? [...args, '-monitor', 'stdio', '-S']
    : [...args, '-monitor', 'none']
}

/**
 * Boots `elfPath` (see {@link buildFirmware}) in `qemu-system-avr` and resolves once QEMU has reported the
 * pty of the board's serial port. Throws {@link ToolMissingError} when QEMU is not installed and
 * {@link EmulatorError} when it exits or stays silent.
 *
 * @example
 * ```ts
 * const emu = await startEmulator(await buildFirmware({ synthetic: true }), { paused: true })
 * const port = new SerialPort({ path: emu.ptyPath, baudRate: 115200 })
 * port.on('open', () => emu.resume())
 * // …
 * await emu.stop()
 * ```
 */
export async function startEmulator(
  elfPath: string,
  options: StartEmulatorOptions = {},
): Promise<RunningEmulator> {
  const qemu = requireTool('qemu-system-avr', options.qemu)
  const paused = options.paused === true
  const child = spawn(qemu, emulatorArgs(elfPath, { paused }), {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code)
    })
    child.once('error', () => {
      resolve(null)
    })
  })
  // A spawn failure is reported through `exited` and the start timeout; keep 'error' from throwing.
  child.on('error', (err) => {
    output += `${err.message}\n`
  })
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdout.on('data', (d: string) => (output += d))
  child.stderr.on('data', (d: string) => (output += d))
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, options.niceness ?? 10)
    } catch {
      // Lowering our own child's priority is allowed everywhere we run; if not, it only costs fairness.
    }
  }

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    })()
    return stopping
  }

  const timeoutMs = options.startTimeoutMs ?? 10_000
  const ptyPath = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const path = parsePtyPath(output)
      if (path === undefined) return
      cleanup()
      resolve(path)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(
        new EmulatorError(
          `qemu-system-avr did not report its serial pty within ${timeoutMs} ms. ` +
            'The host may be overloaded, or this QEMU prints a different message; see the output.',
          output,
        ),
      )
    }, timeoutMs)
    const onExit = (code: number | null) => {
      cleanup()
      reject(
        new EmulatorError(
          `qemu-system-avr exited (code ${code ?? 'signal'}) before reporting its serial pty. ` +
            `Check that ${elfPath} is an ATmega328P ELF built by buildFirmware().`,
          output,
        ),
      )
    }
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout.off('data', check)
      child.stderr.off('data', check)
      child.off('exit', onExit)
    }
    child.stdout.on('data', check)
    child.stderr.on('data', check)
    child.once('exit', onExit)
    check()
  }).catch(async (err: unknown) => {
    await stop()
    throw err
  })

  let running = !paused
  return {
    ptyPath,
    pid: child.pid ?? -1,
    resume() {
      if (running) return
      running = true
      child.stdin.write('cont\n')
    },
    stop,
    exited,
    output: () => output,
  }
}
