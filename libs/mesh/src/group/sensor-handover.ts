/**
 * @module group/sensor-handover
 * The messages a sensor group exchanges (DESIGN.md §12, issue 13; topics and schemas in the contract's
 * `payloads/group.ts`):
 * - **Handovers.** The old owner of a unit sends its state and the last position of each of its
 *   sensors to the new owner, which restores the state, and then hands on the samples it buffered
 *   meanwhile, without those the old owner had handled. A state that arrives before this instance
 *   knows it owns the unit (the leaver's message can overtake the membership change) waits here.
 * - **Progress checkpoints** (retained, every `checkpointMs`): the last position of every owned sensor.
 *   After a crash, the new owner counts the samples between the dead owner's checkpoint and its own
 *   first sample as lost to the handover; and an instance that joins waits for the state of the units
 *   whose owner's checkpoint shows it has been handling them.
 * - **Registry records** (retained): a sensor seen in traffic that no record names (a device
 *   publishing directly to a lone member) is announced, so the members that come later know of it.
 */
import {
  decodeHandover,
  decodeProgress,
  decodeSensors,
  encodeText,
  handoverFilter,
  handoverTopic,
  parseSensorKey,
  progressFilter,
  progressTopic,
  sensorsFilter,
  sensorsTopic,
  type Handover,
} from '@sluice/contract'
import { hash53, type Sample } from '@sluice/stream'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { HandleBatch } from '../hop/inbound-hop.js'
import type { OutboundHop } from '../hop/outbound-hop.js'
import type { GroupMessage, GroupRuntime } from './group-runtime.js'
import { positionOf, type SensorPositions } from './sensor-positions.js'
import type { SensorRegistry } from './sensor-registry.js'

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
  readonly group: GroupRuntime
  readonly handoverOut: OutboundHop
  readonly retainedOut: OutboundHop
  readonly states: UnitStates
  readonly positions: SensorPositions
  readonly registry: SensorRegistry
  readonly sensorsOf: (unit: string) => string[]
  readonly handle: (key: string, samples: Sample[]) => void | Promise<void>
  readonly checkpointMs: number
  readonly log: MeshLogger
  /** Called when a unit's state arrives: true if the unit was waiting for it (it is active now). */
  readonly onRestored: (unit: string) => boolean
}

/** The handover side of a sensor group. */
export interface SensorHandover {
  readonly counts: {
    sent: number
    received: number
    fresh: number
    overlap: number
    lost: number
  }
  /** Subscribes to handovers, registry records and checkpoints; `onRegistry` on a record. */
  listen(onRegistry: (device: string, gained: boolean) => void): void
  /** Restores a unit from a state that came early, if there is one. */
  takePending(unit: string): boolean
  /** Sends a unit's state to `to`; resolves once the broker has it. */
  send(unit: string, to: string, generation: number): Promise<void>
  /** Buffers samples of a unit waiting for its state; returns none to hand on now. */
  buffer(unit: string, key: string, samples: Sample[], batch: HandleBatch): Sample[]
  /** Hands a unit's buffered samples on (its state is restored, or will not come). */
  flushBuffer(unit: string): void
  /** The units with buffered samples. */
  bufferedUnits(): string[]
  /** Drops a unit's buffered samples (another member owns it and takes them); returns how many. */
  discardBuffer(unit: string): number
  /** The state of `unit` did not come from `from` in time: start it fresh. */
  timedOut(unit: string, from: string): void
  /** A unit whose owner `from` crashed: fresh, and count its loss from `from`'s checkpoint. */
  startFresh(unit: string, from: string): void
  /**
   * Counts as lost the samples before `firstPosition`, the first one handled of a sensor taken over,
   * back to where its previous owner stopped (once per takeover).
   */
  countLost(key: string, firstPosition: number): void
  /** Announces a sensor seen in traffic that no registry record names. */
  announce(key: string): void
  /** How many sensors `instance`'s checkpoints name (for logs). */
  progressOf(instance: string | undefined): number
  /** True if `instance`'s last checkpoint names a sensor of `unit` (it has been handling it). */
  heldBy(instance: string, unit: string): boolean
  /** Periodic work: registry records, checkpoints, expiry of early states. */
  tick(now: number, activeUnits: () => string[]): void
  /** Clears this instance's checkpoints (a graceful leave). */
  clearCheckpoint(): Promise<void>
}

/** Most samples buffered for units waiting for their state; beyond it they are dropped and counted. */
const MAX_BUFFERED = 200_000
/** Sensors per checkpoint message (a message stays far below the broker's payload limit). */
const CHECKPOINT_CHUNK = 2000
/** How long a state that came early waits for its unit (ms). */
const PENDING_TTL_MS = 60_000

/** Creates the handover side of a sensor group (see the module note). */
export function createSensorHandover(deps: SensorHandoverDeps): SensorHandover {
  const { prefix, service, group, positions } = deps
  const self = group.self.instance
  const counts = { sent: 0, received: 0, fresh: 0, overlap: 0, lost: 0 }
  const buffers = new Map<string, Map<string, Sample[]>>()
  let buffered = 0
  const pending = new Map<string, { readonly message: Handover; readonly at: number }>()
  const progress = new Map<string, Map<string, number>>()
  const lostFrom = new Map<string, number>()
  const dirtyDevices = new Set<string>()
  const announced = new Map<string, Set<string>>()
  let lastCheckpoint = 0
  let chunksPublished = 0
  const warn = createSampledLog(deps.log, 'warn', 100)

  function restore(message: Handover): void {
    if (message.state !== null) deps.states.importUnit(message.unit, message.state)
    for (const [key, pos] of Object.entries(message.positions)) {
      positions.set(key, pos)
      // A sample after the old owner's last and before the first one here fell between the two.
      lostFrom.set(key, pos)
    }
    counts.received++
    flushBuffer(message.unit)
  }

  function onHandover(m: GroupMessage): void {
    const r = decodeHandover(m.payload)
    if (!r.ok || r.value.to !== self) {
      if (!r.ok) warn({ err: r.error, from: m.instance }, 'a handover does not decode; ignored')
      return
    }
    const unit = r.value.unit
    if (deps.onRestored(unit)) {
      try {
        restore(r.value)
      } catch (err) {
        warn({ err, unit, from: m.instance }, 'a handed-over state could not be restored; fresh')
        counts.fresh++
        flushBuffer(unit)
      }
    } else pending.set(unit, { message: r.value, at: Date.now() })
  }

  function onProgress(m: GroupMessage): void {
    if (m.payload.length === 0) return
    const r = decodeProgress(m.payload)
    if (!r.ok) return
    let map = progress.get(m.instance)
    if (map === undefined) progress.set(m.instance, (map = new Map<string, number>()))
    for (const [key, pos] of Object.entries(r.value.positions)) map.set(key, pos)
  }

  function flushBuffer(unit: string): void {
    const byKey = buffers.get(unit)
    buffers.delete(unit)
    if (byKey === undefined) return
    for (const [key, samples] of byKey) {
      buffered -= samples.length
      const { fresh, duplicates } = positions.admit(key, samples)
      counts.overlap += duplicates
      if (fresh[0] !== undefined) countLost(key, positionOf(fresh[0]))
      if (fresh.length > 0) {
        Promise.resolve(deps.handle(key, fresh)).catch((err: unknown) =>
          warn({ err, key }, 'handling buffered samples failed'),
        )
      }
    }
  }

  function countLost(key: string, firstPosition: number): void {
    const from = lostFrom.get(key)
    if (from === undefined) return
    lostFrom.delete(key)
    counts.lost += Math.max(0, firstPosition - from - 1)
  }

  function startFresh(unit: string, from: string): void {
    counts.fresh++
    const checkpoint = progress.get(from)
    for (const key of deps.sensorsOf(unit)) {
      const pos = checkpoint?.get(key)
      if (pos !== undefined && positions.get(key) === undefined) lostFrom.set(key, pos)
    }
  }

  function publishCheckpoint(activeUnits: string[]): void {
    const keys = activeUnits.flatMap((u) => deps.sensorsOf(u))
    const chunks = Math.max(1, Math.ceil(keys.length / CHECKPOINT_CHUNK))
    const parts: Record<string, number>[] = Array.from({ length: chunks }, () => ({}))
    for (const key of keys) {
      const pos = positions.get(key)
      if (pos !== undefined) parts[hash53(key) % chunks]![key] = pos
    }
    const t = Date.now()
    parts.forEach((part, i) => {
      const payload = encodeText({ group: group.name, instance: self, positions: part, t })
      deps.retainedOut.publish(progressTopic(prefix, service, self, i), payload)
    })
    for (let i = chunks; i < chunksPublished; i++) {
      deps.retainedOut.publish(progressTopic(prefix, service, self, i), '')
    }
    chunksPublished = chunks
  }

  function publishAnnouncements(): void {
    for (const device of dirtyDevices) {
      const channels = [...(announced.get(device) ?? [])]
      const payload = encodeText({ device, channels, t: Date.now() })
      deps.retainedOut.publish(sensorsTopic(prefix, service, self, device), payload)
    }
    dirtyDevices.clear()
  }

  return {
    counts,
    listen(onRegistry) {
      void group.listen('handover', handoverFilter(prefix, service, self), onHandover)
      void group.listen('progress', progressFilter(prefix, service), onProgress)
      void group.listen('sensors', sensorsFilter(prefix), (m) => {
        if (m.payload.length === 0) return
        const r = decodeSensors(m.payload)
        if (!r.ok) return
        onRegistry(
          r.value.device,
          deps.registry.apply(m.instance, r.value.device, r.value.channels),
        )
      })
    },
    takePending(unit) {
      const p = pending.get(unit)
      if (p === undefined || !deps.onRestored(unit)) return false
      pending.delete(unit)
      restore(p.message)
      return true
    },
    async send(unit, to, generation) {
      const keys = deps.sensorsOf(unit)
      const state = deps.states.exportUnit(unit) ?? null
      const at: Record<string, number> = {}
      for (const key of keys) {
        const pos = positions.get(key)
        if (pos !== undefined) at[key] = pos
        positions.forget(key)
      }
      const message: Handover = {
        group: group.name,
        from: self,
        to,
        unit,
        generation,
        positions: at,
        state,
        t: Date.now(),
      }
      counts.sent++
      await deps.handoverOut
        .publishConfirmed(handoverTopic(prefix, service, self, to), encodeText(message))
        .catch((err: unknown) => warn({ err, unit, to }, 'a handover could not be sent'))
    },
    buffer(unit, key, samples, batch) {
      if (buffered + samples.length > MAX_BUFFERED) {
        batch.drop('handover', samples.length)
        return []
      }
      let byKey = buffers.get(unit)
      if (byKey === undefined) buffers.set(unit, (byKey = new Map<string, Sample[]>()))
      const list = byKey.get(key)
      if (list === undefined) byKey.set(key, [...samples])
      else list.push(...samples)
      buffered += samples.length
      return []
    },
    flushBuffer,
    bufferedUnits: () => [...buffers.keys()],
    discardBuffer(unit) {
      let n = 0
      for (const samples of buffers.get(unit)?.values() ?? []) n += samples.length
      buffers.delete(unit)
      buffered -= n
      return n
    },
    timedOut(unit, from) {
      deps.log.warn({ unit, from }, 'no state came in time for a unit taken over; it starts fresh')
      startFresh(unit, from)
      flushBuffer(unit)
    },
    startFresh,
    countLost,
    announce(key) {
      const sensor = parseSensorKey(key)
      if (sensor === null) return
      let channels = announced.get(sensor.device)
      if (channels === undefined) announced.set(sensor.device, (channels = new Set()))
      channels.add(sensor.channel)
      dirtyDevices.add(sensor.device)
    },
    progressOf: (instance) => (instance === undefined ? 0 : (progress.get(instance)?.size ?? 0)),
    heldBy(instance, unit) {
      const checkpoint = progress.get(instance)
      return checkpoint !== undefined && deps.sensorsOf(unit).some((k) => checkpoint.has(k))
    },
    tick(now, activeUnits) {
      if (dirtyDevices.size > 0) publishAnnouncements()
      for (const [unit, p] of pending) if (now - p.at > PENDING_TTL_MS) pending.delete(unit)
      if (now - lastCheckpoint < deps.checkpointMs) return
      lastCheckpoint = now
      publishCheckpoint(activeUnits())
    },
    async clearCheckpoint() {
      const all = Array.from({ length: chunksPublished }, (_, i) =>
        deps.retainedOut.publishConfirmed(progressTopic(prefix, service, self, i), ''),
      )
      chunksPublished = 0
      await Promise.allSettled(all)
    },
  }
}
