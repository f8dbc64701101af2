/**
 * @module process
 * Runs an outside program for a test: waits until it is ready (a line in its output, or a probe such as
 * a TCP connect), keeps the tail of its output for error messages, and kills it on `stop()` and, as a
 * safety net, when the test process exits, so no program outlives its test run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { StartFailedError } from './errors.js'

/** When a started program counts as ready. */
export type ReadyWhen =
  /** A match in its stdout or stderr. */
  | RegExp
  /** A check of the output so far. */
  | ((output: string) => boolean)
  /** A probe, polled every 25 ms (e.g. a TCP connect); resolves true when ready. */
  | { readonly probe: () => Promise<boolean> }

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  /** When the program is ready; without it, as soon as it has spawned. */
  readonly readyWhen?: ReadyWhen
  /** Give up after this many ms (default 10 000). */
  readonly timeout?: number
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** Name used in messages (default: the command's base name). */
  readonly name?: string
}

/** A running program. */
export interface RunningProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** Its stdout and stderr so far (the last 64 KiB). */
  output(): string
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Stops it: SIGTERM, then SIGKILL after `graceMs` (default 3000). Safe to call twice. */
  stop(graceMs?: number): Promise<void>
}

const OUTPUT_LIMIT = 64 * 1024
const running = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL')
  }
  // 'exit' handlers must be synchronous: a kill is.
  process.once('exit', killAll)
  // A signal skips 'exit': kill the children, then let the signal do what it would have done (the
  // pattern of the signal-exit package: re-raise once our listener is gone, if no one else listens).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll()
      process.removeListener(signal, onSignal)
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    }
    process.on(signal, onSignal)
  }
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.setTimeout(1000, () => done(false))
  })
}

/**
 * Starts `command` with `args` and resolves once it is ready. Rejects with {@link StartFailedError},
 * quoting its output, when it exits first or is not ready in time (it is killed then).
 *
 * @example
 * ```ts
 * const socat = await startProcess('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
 *   readyWhen: /starting data transfer loop/,
 * })
 * afterAll(() => socat.stop())
 * ```
 */
export async function startProcess(
  command: string,
  args: readonly string[],
  options: StartProcessOptions = {},
): Promise<RunningProcess> {
  installExitHook()
  const name = options.name ?? command.split('/').pop() ?? command
  const timeout = options.timeout ?? 10_000
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let output = ''
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8')
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT)
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    })
  })
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined
  void exited.then((info) => (exitInfo = info))
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  let error: Error | undefined
  void spawnError.then((err) => (error = err))

  const stop = async (graceMs = 3000): Promise<void> => {
    if (exitInfo !== undefined || child.exitCode !== null || child.signalCode !== null) return
    // A process a test froze with SIGSTOP would hold SIGTERM until it runs again.
    child.kill('SIGCONT')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  const tail = () => {
    const t = output.trim()
    return t === '' ? '(no output)' : t.slice(-2000)
  }
  const ready = options.readyWhen
  const deadline = Date.now() + timeout
  for (;;) {
    if (error !== undefined) {
      running.delete(child)
      throw new StartFailedError(`Could not start ${name} (${command}): ${error.message}.`, {
        cause: error,
      })
    }
    if (exitInfo !== undefined) {
      throw new StartFailedError(
        `${name} exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before it was ready. ` +
          `Command: ${command} ${args.join(' ')}\nOutput:\n${tail()}`,
      )
    }
    if (child.pid !== undefined) {
      let isReady: boolean
      if (ready === undefined) isReady = true
      else if (ready instanceof RegExp) isReady = ready.test(output)
      else if (typeof ready === 'function') isReady = ready(output)
      else isReady = await ready.probe()
      if (isReady && exitInfo === undefined) break
    }
    if (Date.now() >= deadline) {
      await stop(500)
      throw new StartFailedError(
        `${name} was not ready within ${timeout} ms. Command: ${command} ${args.join(' ')}\n` +
          `Output:\n${tail()}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return {
    child,
    pid: child.pid,
    output: () => output,
    exited,
    stop,
  }
}
