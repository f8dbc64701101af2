/**
 * @module up/in-process
 * How `sluice up` runs by default (DESIGN.md §12): the broker and every service inside `sluice up`'s own
 * Node process, on one event loop, instead of one process each. Each service still has its own MQTT
 * client, hops, metrics, status and last will, exactly as when it runs alone (`startService`), so the
 * mesh, its accounting and the live table do not change; what goes is six copies of Node, V8 and mqtt.js.
 * One event loop rather than worker threads because it measures better for a small Pi: a worker is a
 * whole V8 isolate (about 18 MB each with our modules loaded, measured in `docs/performance.md`), and at
 * the rates one Pi serves the services' CPU fits in one core. `--processes` keeps one process per service.
 *
 * A crash stays contained to its service. Each child runs in its own `AsyncLocalStorage` context, which
 * every timer, socket and promise it creates inherits, so an uncaught exception or an unhandled rejection
 * is traced to the child whose callback threw. That child is killed (its connection dropped without
 * DISCONNECT, so the broker publishes its will, as for a crashed process) and reported as exited with code
 * 1, and the supervisor restarts it with backoff. An error outside every child ends the process, as it
 * would any Node program.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { pino, type Logger } from 'pino'
import type { ChildExit, Launcher, RunningChild } from './child.js'

/** A child started in this process. */
export interface InProcessHandle {
  /** Graceful stop: drain, flush, say offline, disconnect. */
  stop(): Promise<void>
  /** Abrupt stop after a crash or a missed grace period: drop the connection, stop timers. */
  kill(): Promise<void>
}

/** Starts one `sluice` subcommand in this process with its arguments and a logger. */
export type InProcessStarter = (args: readonly string[], logger: Logger) => Promise<InProcessHandle>

/** Finds the starter of a `sluice` subcommand (`window`, `broker`, …); undefined for an unknown one. */
export type StarterLookup = (command: string) => Promise<InProcessStarter | undefined>

interface ChildScope {
  readonly name: string
  crash(err: unknown): void
}

const scopes = new AsyncLocalStorage<ChildScope>()
let containing = false

/** Sends a thrown error to the child it came from; one outside every child ends the process. */
function containCrashes(): void {
  if (containing) return
  containing = true
  const route = (err: unknown): void => {
    const scope = scopes.getStore()
    if (scope !== undefined) {
      scope.crash(err)
      return
    }
    process.stderr.write(
      `sluice up: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  }
  process.on('uncaughtException', route)
  process.on('unhandledRejection', route)
}

/** A pino destination that hands each JSON line to `output`. */
function lineLogger(output: (line: string) => void, level: string): Logger {
  return pino(
    { level, base: undefined },
    {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line !== '') output(line)
      },
    },
  )
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

/**
 * A launcher that starts each child in this process with the starter `lookup` finds for its command.
 *
 * @example
 * ```ts
 * const supervisor = new Supervisor(specs, createInProcessLauncher(inProcessStarters(true)))
 * ```
 */
export function createInProcessLauncher(lookup: StarterLookup, logLevel = 'info'): Launcher {
  containCrashes()
  return (spec, output) => {
    let resolveExit!: (exit: ChildExit) => void
    const exited = new Promise<ChildExit>((resolve) => (resolveExit = resolve))
    let handle: InProcessHandle | undefined
    let ended = false
    let stopAsked = false
    const end = (exit: ChildExit): void => {
      if (ended) return
      ended = true
      resolveExit(exit)
    }
    const kill = (): void => {
      const h = handle
      handle = undefined
      // Whatever kill() itself throws belongs to a child that has already ended.
      if (h !== undefined) h.kill().catch(() => undefined)
    }
    const stop = (): void => {
      stopAsked = true
      const h = handle
      if (h === undefined) return
      h.stop().then(
        () => end({ code: 0, signal: null }),
        (err: unknown) => {
          output(`stop failed: ${describe(err)}`)
          end({ code: 1, signal: null })
        },
      )
    }
    const scope: ChildScope = {
      name: spec.name,
      crash(err) {
        if (ended) return
        output(`crashed: ${describe(err)}`)
        kill()
        end({ code: 1, signal: null })
      },
    }
    const start = async (): Promise<void> => {
      const starter = await lookup(spec.command)
      if (starter === undefined) throw new Error(`unknown command "${spec.command}"`)
      handle = await starter(spec.args, lineLogger(output, logLevel))
      if (stopAsked) stop()
    }
    scopes.run(scope, () => {
      start().catch((err: unknown) => {
        output(`failed to start: ${err instanceof Error ? err.message : String(err)}`)
        end({ code: 1, signal: null })
      })
    })
    const child: RunningChild = {
      pid: process.pid,
      exited,
      terminate: () => {
        if (!ended) scopes.run(scope, stop)
      },
      kill: () => {
        if (ended) return
        kill()
        end({ code: null, signal: 'SIGKILL' })
      },
    }
    return child
  }
}
