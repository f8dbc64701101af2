/**
 * @module up/child
 * What the supervisor runs: a {@link RunningChild} is one service, started by a {@link Launcher}, either
 * as its own process ({@link launchProcess}, `sluice up --processes`) or inside `sluice up`'s own process
 * (`up/in-process.ts`, the default). The supervisor only asks it to stop, kills it after a grace period,
 * and learns when it has ended, so restarts and the data-flow stop order are the same for both.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** One child to keep running. */
export interface ChildSpec {
  readonly name: string
  /** A program to spawn (process launcher) or a `sluice` subcommand (in-process launcher). */
  readonly command: string
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  /**
   * When `stop()` stops it: children stop stage by stage, lowest first, each stage after every child of
   * the one before has exited. Default: in reverse start order, one at a time.
   */
  readonly stopStage?: number
}

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A started child. */
export interface RunningChild {
  /** Its process id (this process's for an in-process child), once known. */
  readonly pid: number | undefined
  /** Resolves once it has ended, for whatever reason. */
  readonly exited: Promise<ChildExit>
  /** Asks it to stop gracefully (SIGTERM): drain, flush, say offline. */
  terminate(): void
  /** Ends it now (SIGKILL). */
  kill(): void
}

/** Starts a child; `output` gets each whole line it prints or logs. */
export type Launcher = (spec: ChildSpec, output: (line: string) => void) => RunningChild

/** Starts `spec.command` with `spec.args` as a child process in its own process group. */
export const launchProcess: Launcher = (spec, output) => {
  const proc = spawn(spec.command, [...spec.args], {
    env: spec.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in a terminal signals the whole foreground group, which would stop
    // the broker at the same moment as the services still draining into it. Only the supervisor gets
    // it, and stops the children in order.
    detached: true,
  })
  // Whole lines, not chunks: a pipe may split a JSON log line in two, which would then not parse.
  for (const stream of [proc.stdout, proc.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim() !== '') output(line)
    })
  }
  proc.on('error', (err) => output(`failed to start: ${err.message}`))
  const exited = new Promise<ChildExit>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const ended = (): boolean => proc.exitCode !== null || proc.signalCode !== null
  return {
    pid: proc.pid,
    exited,
    terminate: () => {
      if (!ended()) proc.kill('SIGTERM')
    },
    kill: () => {
      if (!ended()) proc.kill('SIGKILL')
    },
  }
}
