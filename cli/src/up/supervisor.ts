/**
 * @module up/supervisor
 * Keeps each Sluice service running, as a child process or inside this process (see `up/child.ts`), and
 * restarts any that crash, with exponential backoff that resets once a child has stayed up for a while —
 * so one bad sensor line or a broker hiccup never takes the whole pipeline down, and a child that crashes
 * at once is not restarted in a tight loop.
 */
import { EventEmitter } from 'node:events'
import { launchProcess, type ChildSpec, type Launcher, type RunningChild } from './child.js'

export type { ChildSpec } from './child.js'

/** How long to wait before restart number `attempt` (1-based): 0.5 s, 1 s, 2 s … capped at `maxMs`. */
export function restartDelay(attempt: number, baseMs = 500, maxMs = 15_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
}

/** Events: `output` (name, line), `exit` (name, code, signal, willRestart), `start` (name, pid). */
export interface SupervisorEvents {
  output: [name: string, line: string]
  start: [name: string, pid: number]
  exit: [name: string, code: number | null, signal: NodeJS.Signals | null, willRestart: boolean]
}

/** A child is considered healthy again after this long up, and its backoff resets. */
const STABLE_MS = 10_000

/**
 * The children of `specs` grouped by {@link ChildSpec.stopStage}, lowest stage first; children without a
 * stage stop one at a time, last started first, after the staged ones.
 */
export function stopStages<T extends Pick<ChildSpec, 'stopStage'>>(specs: readonly T[]): T[][] {
  const staged = new Map<number, T[]>()
  for (const spec of specs) {
    if (spec.stopStage === undefined) continue
    const stage = staged.get(spec.stopStage) ?? []
    stage.push(spec)
    staged.set(spec.stopStage, stage)
  }
  const unstaged = specs.filter((s) => s.stopStage === undefined).reverse()
  return [
    ...[...staged.entries()].sort(([a], [b]) => a - b).map(([, group]) => group),
    ...unstaged.map((s) => [s]),
  ]
}

/**
 * Starts `specs` (in order, or stage by stage with {@link Supervisor.startInStages}) and keeps them
 * running until `stop()`, which stops them stage by stage
 * ({@link stopStages}; SIGTERM, then SIGKILL after `graceMs`), each stage once the one before has exited:
 * so a consumer is still there while what feeds it flushes, in data-flow order.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly #children = new Map<
    string,
    { child?: RunningChild; attempts: number; startedAt: number; timer?: NodeJS.Timeout }
  >()
  #stopping = false
  #started = false
  readonly #live = new Set<RunningChild>()

  /** `launch` starts a child: as its own process by default. */
  constructor(
    readonly specs: readonly ChildSpec[],
    private readonly launch: Launcher = launchProcess,
  ) {
    super()
  }

  /** Starts every child, or only the ones named (the others with a later call). */
  start(names?: readonly string[]): void {
    if (this.#stopping) return
    if (!this.#started) {
      // Detached children outlive a parent that exits without stopping them: kill what is left on exit.
      process.once('exit', this.#killAll)
      this.#started = true
    }
    for (const spec of this.specs) {
      if (names !== undefined && !names.includes(spec.name)) continue
      if (!this.#children.has(spec.name)) this.#launch(spec)
    }
  }

  /**
   * Starts the children stage by stage in the reverse of their stop order (consumers before what feeds
   * them), each stage once every child of the one before is `ready` (or `timeoutMs` passed, or `stop()`
   * was called). Resolves with the children that were not ready in time.
   *
   * @example
   * ```ts
   * const late = await sup.startInStages((name) => started.has(name), 20_000)
   * ```
   */
  async startInStages(ready: (name: string) => boolean, timeoutMs: number): Promise<string[]> {
    const late: string[] = []
    for (const stage of stopStages(this.specs).reverse()) {
      if (this.#stopping) break
      const names = stage.map((s) => s.name)
      this.start(names)
      const deadline = Date.now() + timeoutMs
      const waiting = (): string[] => names.filter((n) => !ready(n))
      while (waiting().length > 0 && !this.#stopping && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      if (!this.#stopping) late.push(...waiting())
    }
    return late
  }

  readonly #killAll = (): void => {
    for (const c of this.#live) c.kill()
  }

  /** The pid of a running child, if any. */
  pid(name: string): number | undefined {
    return this.#children.get(name)?.child?.pid
  }

  #launch(spec: ChildSpec): void {
    const state = this.#children.get(spec.name) ?? { attempts: 0, startedAt: 0 }
    this.#children.set(spec.name, state)
    const child = this.launch(spec, (line) => this.emit('output', spec.name, line))
    this.#live.add(child)
    state.child = child
    state.startedAt = Date.now()
    if (child.pid !== undefined) this.emit('start', spec.name, child.pid)
    void child.exited.then(({ code, signal }) => {
      this.#live.delete(child)
      state.child = undefined
      const willRestart = !this.#stopping
      this.emit('exit', spec.name, code, signal, willRestart)
      if (!willRestart) return
      if (Date.now() - state.startedAt > STABLE_MS) state.attempts = 0
      state.attempts++
      state.timer = setTimeout(() => this.#launch(spec), restartDelay(state.attempts))
    })
  }

  /** Stops every child, stage by stage ({@link stopStages}); resolves when all have exited. */
  async stop(graceMs = 8000): Promise<void> {
    this.#stopping = true
    for (const stage of stopStages(this.specs))
      await Promise.all(stage.map((spec) => this.#stopChild(spec.name, graceMs)))
    process.off('exit', this.#killAll)
  }

  async #stopChild(name: string, graceMs: number): Promise<void> {
    const state = this.#children.get(name)
    if (!state) return
    clearTimeout(state.timer)
    const child = state.child
    if (!child) return
    const kill = setTimeout(() => child.kill(), graceMs)
    child.terminate()
    await child.exited
    clearTimeout(kill)
  }
}
