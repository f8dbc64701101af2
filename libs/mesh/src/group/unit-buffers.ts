/**
 * @module group/unit-buffers
 * The samples a new owner receives for a unit while it waits for the unit's state (DESIGN.md §12): kept,
 * bounded, until the state is restored and they can be handed on without those the old owner already
 * handled, or dropped when another member turns out to own the unit.
 */
import type { Sample } from '@sluice/stream'
import type { HandleBatch } from '../hop/inbound-hop.js'
import { positionOf, type SensorPositions } from './sensor-positions.js'

/** Most samples buffered for units waiting for their state; beyond it they are dropped and counted. */
const MAX_BUFFERED = 200_000

/** What the buffers need. */
export interface UnitBuffersDeps {
  readonly positions: SensorPositions
  /** Hands samples on to the service. */
  readonly handle: (key: string, samples: Sample[]) => void
  /** Told the first position handed on of a sensor (to count what fell before it). */
  readonly onFirst: (key: string, position: number) => void
}

/** The buffers of the units one member waits for. */
export interface UnitBuffers {
  /** Duplicates dropped when the buffers were handed on (cumulative). */
  readonly overlap: number
  /** Keeps samples of `key` (of `unit`); beyond the bound they are dropped on `batch`. */
  buffer(unit: string, key: string, samples: readonly Sample[], batch: HandleBatch): void
  /** Hands a unit's samples on, without those at or below the positions (its state is in place). */
  flush(unit: string): void
  /** Drops a unit's samples; returns how many. */
  discard(unit: string): number
  /** The units with samples kept. */
  units(): string[]
}

/** Creates the buffers (see the module note). */
export function createUnitBuffers(deps: UnitBuffersDeps): UnitBuffers {
  const buffers = new Map<string, Map<string, Sample[]>>()
  let buffered = 0
  let overlap = 0
  return {
    get overlap() {
      return overlap
    },
    buffer(unit, key, samples, batch) {
      if (buffered + samples.length > MAX_BUFFERED) {
        batch.drop('handover', samples.length)
        return
      }
      let byKey = buffers.get(unit)
      if (byKey === undefined) buffers.set(unit, (byKey = new Map<string, Sample[]>()))
      const list = byKey.get(key)
      if (list === undefined) byKey.set(key, [...samples])
      else list.push(...samples)
      buffered += samples.length
    },
    flush(unit) {
      const byKey = buffers.get(unit)
      buffers.delete(unit)
      for (const [key, samples] of byKey ?? []) {
        buffered -= samples.length
        const { fresh, duplicates } = deps.positions.admit(key, samples)
        overlap += duplicates
        if (fresh[0] === undefined) continue
        deps.onFirst(key, positionOf(fresh[0]))
        deps.handle(key, fresh)
      }
    },
    discard(unit) {
      let n = 0
      for (const samples of buffers.get(unit)?.values() ?? []) n += samples.length
      buffers.delete(unit)
      buffered -= n
      return n
    },
    units: () => [...buffers.keys()],
  }
}
