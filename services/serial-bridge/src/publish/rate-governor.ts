/**
 * @module publish/rate-governor
 * Backpressure to the producer (DESIGN.md §5): a serial device cannot be made to wait, but it can be asked
 * to sample more slowly. When the bridge's outbound queue stays over `high` full, the governor lowers the
 * device's rate by `factor` (an `R<hz>` command), step by step while the pressure lasts; once the queue has
 * stayed under `low` it raises the rate again, step by step, back to the rate the operator asked for. The
 * gap between `high` and `low` and the `holdMs` between steps are the hysteresis that keeps it from
 * oscillating. A device that does not acknowledge a command within `ackTimeoutMs` is marked unresponsive:
 * the governor stops asking it and keeps stepping the same way at the edge instead (`via: 'edge'`): the
 * bridge then lets only {@link RateGovernor.edgeHz} lines per second through and counts the rest as
 * dropped at the edge (see `edge-gate.ts`), which relieves the queue just as a slower device would. An
 * acknowledgement (say after a reconnect, or to an operator's rate command) puts the device back in charge.
 * The caller folds other pressure into the fill it passes, e.g. 1 while a downstream consumer is critical.
 * Pure: time and the queue fill are passed in.
 */

/** Options of {@link createRateGovernor}. */
export interface RateGovernorOptions {
  /** Lower the rate while the queue is fuller than this (default 0.8). */
  readonly high?: number
  /** Raise it again once the queue is emptier than this (default 0.3). */
  readonly low?: number
  /** Each step multiplies (lowering) or divides (raising) the rate by this (default 0.5). */
  readonly factor?: number
  /** Never ask for less than this (default 1 Hz). */
  readonly minHz?: number
  /** Least time between two steps, and how long the queue must stay low before raising (default 2000). */
  readonly holdMs?: number
  /** A command not acknowledged within this marks the device unresponsive (default 3000). */
  readonly ackTimeoutMs?: number
}

/** A rate change: sent to the device as `R<hz>`, or (`via: 'edge'`) applied by dropping at the edge. */
export interface RateStep {
  readonly hz: number
  readonly direction: 'lower' | 'raise'
  /** `device` (the default, when absent): send `R<hz>`; `edge`: the device does not answer. */
  readonly via?: 'device' | 'edge'
}

/** What the governor reports besides steps. */
export type GovernorNotice = { readonly kind: 'unresponsive'; readonly hz: number }

/** The governor of one device's rate. */
export interface RateGovernor {
  /**
   * The rate the operator wants (config, a rate command, or the device's own announced rate); the
   * governor never goes above it. Returns the rate to apply now.
   */
  setTarget(hz: number, now: number): number
  /** Feeds the queue fill (0…1); returns a step to send, if any. */
  update(fill: number, now: number): RateStep | GovernorNotice | undefined
  /** Records the device's acknowledgement of a rate. */
  acknowledged(hz: number): void
  /** The rate currently asked of the device, or undefined before a target is known. */
  readonly appliedHz: number | undefined
  readonly targetHz: number | undefined
  /** Whether the rate is lowered because of pressure. */
  readonly throttled: boolean
  /** Whether the device ignored a command: the governor steers at the edge instead. */
  readonly unresponsive: boolean
  /** The rate to let through at the edge while an unresponsive device is throttled; else undefined. */
  readonly edgeHz: number | undefined
  /** Rate steps taken so far (sent to the device or applied at the edge). */
  readonly steps: number
}

/**
 * Creates a rate governor.
 *
 * @example
 * ```ts
 * const governor = createRateGovernor({ high: 0.8, low: 0.3 })
 * governor.setTarget(100, now)
 * const step = governor.update(publisher.congestion(), now)
 * if (step && 'direction' in step && step.via !== 'edge') link.write(`R${step.hz}\n`)
 * ```
 */
export function createRateGovernor(options: RateGovernorOptions = {}): RateGovernor {
  const high = options.high ?? 0.8
  const low = options.low ?? 0.3
  const factor = options.factor ?? 0.5
  const minHz = options.minHz ?? 1
  const holdMs = options.holdMs ?? 2000
  const ackTimeoutMs = options.ackTimeoutMs ?? 3000
  let target: number | undefined
  let applied: number | undefined
  let lastStep = -Infinity
  let lowSince: number | undefined
  let awaitingAck: { hz: number; since: number } | undefined
  let unresponsive = false
  let steps = 0

  const step = (hz: number, direction: RateStep['direction'], now: number): RateStep => {
    applied = hz
    lastStep = now
    steps++
    if (unresponsive) return { hz, direction, via: 'edge' }
    awaitingAck = { hz, since: now }
    return { hz, direction }
  }

  // Whole hertz: the firmware takes `R<hz>` with an integer 1…1000 and answers `ERR … out of range`
  // to `R2.5` (firmware/sluice_sensor/sluice_core.c, run_command), which would look unresponsive.
  const round = (hz: number): number => Math.max(1, Math.round(hz))

  return {
    get appliedHz() {
      return applied
    },
    get targetHz() {
      return target
    },
    get throttled() {
      return applied !== undefined && target !== undefined && applied < target
    },
    get unresponsive() {
      return unresponsive
    },
    get edgeHz() {
      return unresponsive && applied !== undefined && target !== undefined && applied < target
        ? applied
        : undefined
    },
    get steps() {
      return steps
    },
    setTarget(hz, now) {
      target = hz
      // A new target from the operator starts from there; the pressure, if any, will lower it again.
      applied = hz
      lastStep = now
      lowSince = undefined
      awaitingAck = undefined
      return hz
    },
    acknowledged(hz) {
      if (awaitingAck !== undefined && Math.abs(awaitingAck.hz - hz) < 1e-9) awaitingAck = undefined
      unresponsive = false
    },
    update(fill, now) {
      if (target === undefined || applied === undefined) return undefined
      if (awaitingAck !== undefined) {
        if (now - awaitingAck.since < ackTimeoutMs) return undefined
        awaitingAck = undefined
        unresponsive = true
        // The pressure that asked for this step is still there: hold at the edge from now on.
        lastStep = now
        return { kind: 'unresponsive', hz: applied }
      }
      if (fill < low) lowSince ??= now
      else lowSince = undefined
      if (now - lastStep < holdMs) return undefined
      if (fill > high && applied > minHz)
        return step(Math.max(minHz, round(applied * factor)), 'lower', now)
      if (lowSince !== undefined && now - lowSince >= holdMs && applied < target)
        return step(Math.min(target, round(applied / factor)), 'raise', now)
      return undefined
    },
  }
}
