/**
 * @module group/sensor-handover
 * The handover of a unit's state between members of a group (DESIGN.md §12, issue 13; the message is
 * `sluice.v1.handover` in the contract's `payloads/group.ts`). The old owner sends the unit's state with
 * the last position of each of its sensors; the new owner restores the state, then hands on the samples it
 * buffered meanwhile, without those the old owner had handled (unit-buffers.ts). A state that arrives
 * before this member knows it owns the unit (the leaver's message can overtake the membership change)
 * waits here for a while. A unit whose state does not come, or whose owner crashed, starts fresh, and its
 * loss is counted from the progress checkpoints (progress-checkpoints.ts).
 */
import { decodeHandover, encodeText, handoverTopic, type Handover } from '@sluice/contract'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { OutboundHop } from '../hop/outbound-hop.js'
import type { GroupMessage } from './group-runtime.js'
import type { ProgressCheckpoints } from './progress-checkpoints.js'
import type { SensorPositions } from './sensor-positions.js'
import type { UnitBuffers } from './unit-buffers.js'

/** A service's state per unit (a sensor or a device), as JSON. */
export interface UnitStates {
  /** The unit's state, forgetting it here; `undefined` when there is none. */
  exportUnit(unit: string): unknown
  /** Restores a unit's state from {@link UnitStates.exportUnit} of another instance. */
  importUnit(unit: string, state: unknown): void
}

/** What the handover needs. */
export interface SensorHandoverDeps {
  readonly prefix: string
  readonly service: string
  readonly group: string
  readonly self: string
  readonly handoverOut: OutboundHop
  readonly states: UnitStates
  readonly positions: SensorPositions
  readonly buffers: UnitBuffers
  readonly checkpoints: ProgressCheckpoints
  readonly sensorsOf: (unit: string) => string[]
  readonly log: MeshLogger
  /** Called when a unit's state arrives: true if the unit was waiting for it (it is active now). */
  readonly onRestored: (unit: string) => boolean
}

/** The handover side of a sensor group. */
export interface SensorHandover {
  readonly counts: { readonly sent: number; readonly received: number; readonly fresh: number }
  /** Takes a handover addressed to this member. */
  onHandover(message: GroupMessage): void
  /** Restores a unit from a state that came early, if there is one. */
  takePending(unit: string): boolean
  /** Sends a unit's state to `to`; resolves once the broker has it. */
  send(unit: string, to: string, generation: number): Promise<void>
  /** The state of `unit` did not come from `from` in time: start it fresh. */
  timedOut(unit: string, from: string): void
  /** A unit whose owner `from` crashed: fresh, its loss counted from `from`'s checkpoint. */
  startFresh(unit: string, from: string): void
  /** Forgets early states older than a minute. */
  expire(now: number): void
}

/** How long a state that came early waits for its unit (ms). */
const PENDING_TTL_MS = 60_000

/** Creates the handover side of a sensor group (see the module note). */
export function createSensorHandover(deps: SensorHandoverDeps): SensorHandover {
  const { positions, buffers, checkpoints } = deps
  const counts = { sent: 0, received: 0, fresh: 0 }
  const pending = new Map<string, { readonly message: Handover; readonly at: number }>()
  const warn = createSampledLog(deps.log, 'warn', 100)

  function restore(message: Handover): void {
    if (message.state !== null) deps.states.importUnit(message.unit, message.state)
    for (const [key, pos] of Object.entries(message.positions)) {
      positions.set(key, pos)
      // A sample after the old owner's last and before the first one here fell between the two.
      checkpoints.expectAfter(key, pos)
    }
    counts.received++
    buffers.flush(message.unit)
  }

  function startFresh(unit: string, from: string): void {
    counts.fresh++
    checkpoints.expectFromCheckpoint(unit, from)
  }

  return {
    counts,
    onHandover(m) {
      const r = decodeHandover(m.payload)
      if (!r.ok) {
        warn({ err: r.error, from: m.instance }, 'a handover does not decode; ignored')
        return
      }
      if (r.value.to !== deps.self) return
      const unit = r.value.unit
      if (!deps.onRestored(unit)) {
        pending.set(unit, { message: r.value, at: Date.now() })
        return
      }
      try {
        restore(r.value)
      } catch (err) {
        warn({ err, unit, from: m.instance }, 'a handed-over state could not be restored; fresh')
        counts.fresh++
        buffers.flush(unit)
      }
    },
    takePending(unit) {
      const p = pending.get(unit)
      if (p === undefined || !deps.onRestored(unit)) return false
      pending.delete(unit)
      restore(p.message)
      return true
    },
    async send(unit, to, generation) {
      const state = deps.states.exportUnit(unit) ?? null
      const at: Record<string, number> = {}
      for (const key of deps.sensorsOf(unit)) {
        const pos = positions.get(key)
        if (pos !== undefined) at[key] = pos
        positions.forget(key)
      }
      const message: Handover = {
        group: deps.group,
        from: deps.self,
        to,
        unit,
        generation,
        positions: at,
        state,
        t: Date.now(),
      }
      counts.sent++
      await deps.handoverOut
        .publishConfirmed(
          handoverTopic(deps.prefix, deps.service, deps.self, to),
          encodeText(message),
        )
        .catch((err: unknown) => warn({ err, unit, to }, 'a handover could not be sent'))
    },
    timedOut(unit, from) {
      deps.log.warn({ unit, from }, 'no state came in time for a unit taken over; it starts fresh')
      startFresh(unit, from)
      buffers.flush(unit)
    },
    startFresh,
    expire(now) {
      for (const [unit, p] of pending) if (now - p.at > PENDING_TTL_MS) pending.delete(unit)
    },
  }
}
