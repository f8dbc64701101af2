/**
 * @module group/progress-checkpoints
 * How far each member has handled its sensors, on the broker, and what a move cost (DESIGN.md §12,
 * issue 13). Every `checkpointMs` a member publishes, retained, the last position of each sensor it owns
 * (`sluice.v1.progress`, at most 2 000 sensors per message). Another member reads them to know whether a
 * unit's previous owner was handling it (a joiner then waits for its state), and, after a crash, where the
 * dead owner stopped: the samples between that and the first one the new owner handles are counted as
 * `lost`. The same count covers a handover whose positions leave a gap before the new owner's first sample.
 */
import { decodeProgress, encodeText, progressTopic, type Progress } from '@sluice/contract'
import { hash53 } from '@sluice/stream'
import type { OutboundHop } from '../hop/outbound-hop.js'
import type { GroupMessage } from './group-runtime.js'
import type { SensorPositions } from './sensor-positions.js'

/** Sensors per checkpoint message (a message stays far below the broker's payload limit). */
const CHECKPOINT_CHUNK = 2000

/** What the checkpoints need. */
export interface ProgressCheckpointsDeps {
  readonly prefix: string
  readonly service: string
  readonly group: string
  readonly self: string
  readonly retainedOut: OutboundHop
  readonly positions: SensorPositions
  readonly sensorsOf: (unit: string) => string[]
  readonly checkpointMs: number
}

/** The checkpoints of one member, and the loss it counts. */
export interface ProgressCheckpoints {
  /** Samples no owner handled around moves (cumulative). */
  readonly lost: number
  /** Takes another member's checkpoint. */
  onProgress(message: GroupMessage): void
  /** Publishes this member's checkpoint if `checkpointMs` has passed since the last. */
  tick(now: number, activeUnits: () => string[]): void
  /** Clears this member's checkpoints (a graceful leave). */
  clear(): Promise<void>
  /** True if `instance`'s checkpoint names a sensor of `unit` (it has been handling it). */
  heldBy(instance: string, unit: string): boolean
  /** How many sensors `instance`'s checkpoints name (for logs). */
  sensorsHeldBy(instance: string | undefined): number
  /** The previous owner `from` crashed: the loss of `unit` counts from its checkpoint. */
  expectFromCheckpoint(unit: string, from: string): void
  /** A handed-over position: the loss of `key` counts from it. */
  expectAfter(key: string, position: number): void
  /** The first position handled of `key` after a move: counts what fell before it (once per move). */
  countLost(key: string, firstPosition: number): void
}

/** Creates the checkpoints of one member (see the module note). */
export function createProgressCheckpoints(deps: ProgressCheckpointsDeps): ProgressCheckpoints {
  const { prefix, service, self, positions } = deps
  const progress = new Map<string, Map<string, number>>()
  const lostFrom = new Map<string, number>()
  let lost = 0
  let lastAt = 0
  let chunksPublished = 0

  function publish(activeUnits: string[]): void {
    const keys = activeUnits.flatMap((u) => deps.sensorsOf(u))
    const chunks = Math.max(1, Math.ceil(keys.length / CHECKPOINT_CHUNK))
    const parts: Record<string, number>[] = Array.from({ length: chunks }, () => ({}))
    for (const key of keys) {
      const pos = positions.get(key)
      if (pos !== undefined) parts[hash53(key) % chunks]![key] = pos
    }
    const t = Date.now()
    parts.forEach((part, i) => {
      const checkpoint: Progress = { group: deps.group, instance: self, positions: part, t }
      deps.retainedOut.publish(progressTopic(prefix, service, self, i), encodeText(checkpoint))
    })
    // Chunks no longer used are cleared (an empty retained message).
    for (let i = chunks; i < chunksPublished; i++) {
      deps.retainedOut.publish(progressTopic(prefix, service, self, i), '')
    }
    chunksPublished = chunks
  }

  return {
    get lost() {
      return lost
    },
    onProgress(m) {
      if (m.payload.length === 0) return
      const r = decodeProgress(m.payload)
      if (!r.ok) return
      let map = progress.get(m.instance)
      if (map === undefined) progress.set(m.instance, (map = new Map<string, number>()))
      for (const [key, pos] of Object.entries(r.value.positions)) map.set(key, pos)
    },
    tick(now, activeUnits) {
      if (now - lastAt < deps.checkpointMs) return
      lastAt = now
      publish(activeUnits())
    },
    async clear() {
      const all = Array.from({ length: chunksPublished }, (_, i) =>
        deps.retainedOut.publishConfirmed(progressTopic(prefix, service, self, i), ''),
      )
      chunksPublished = 0
      await Promise.allSettled(all)
    },
    heldBy(instance, unit) {
      const checkpoint = progress.get(instance)
      return checkpoint !== undefined && deps.sensorsOf(unit).some((k) => checkpoint.has(k))
    },
    sensorsHeldBy: (instance) => (instance === undefined ? 0 : (progress.get(instance)?.size ?? 0)),
    expectFromCheckpoint(unit, from) {
      const checkpoint = progress.get(from)
      for (const key of deps.sensorsOf(unit)) {
        const pos = checkpoint?.get(key)
        if (pos !== undefined && positions.get(key) === undefined) lostFrom.set(key, pos)
      }
    },
    expectAfter: (key, position) => void lostFrom.set(key, position),
    countLost(key, firstPosition) {
      const from = lostFrom.get(key)
      if (from === undefined) return
      lostFrom.delete(key)
      lost += Math.max(0, firstPosition - from - 1)
    },
  }
}
