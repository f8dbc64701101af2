/**
 * @module group/sensor-positions
 * How far each owned sensor has been handled: the last sequence number (or event time, for a sensor
 * without one). Around a move both the old and the new owner receive a sensor's samples for a while
 * (DESIGN.md §12); the new owner starts from the old owner's positions and drops what it already
 * handled, so each sample is handled once. A device restart (its numbering back near 0) is followed,
 * as the gap tracker does.
 */
import type { Sample } from '@sluice/stream'

/** A seq at or below this after a much higher one is a device restart (as in the gap tracker). */
const RESET_BELOW = 16

/** A sample's position: its `seq`, or its event time when it has none (`unsequenced`). */
export function positionOf(sample: Sample): number {
  return (sample as { unsequenced?: boolean }).unsequenced === true ? sample.t : sample.seq
}

/** The positions of the sensors one instance handles. */
export interface SensorPositions {
  /**
   * The samples of `key` to handle, in order, and how many were not: those at or below the position a
   * previous owner handed over (duplicates). Below that floor, nothing is filtered: a broker may
   * deliver again, out of order, what this instance did not acknowledge, and that is at least once.
   */
  admit(key: string, samples: readonly Sample[]): { fresh: Sample[]; duplicates: number }
  /** The highest position handled here (or handed over), if any. */
  get(key: string): number | undefined
  /** Sets the position a previous owner handled up to: the floor of what is handled here. */
  set(key: string, position: number): void
  forget(key: string): void
}

/**
 * Creates an empty set of positions.
 *
 * @example
 * ```ts
 * const p = createSensorPositions()
 * p.set('pump-1/flow', 41)
 * p.admit('pump-1/flow', samples).duplicates // samples with seq ≤ 41
 * ```
 */
export function createSensorPositions(): SensorPositions {
  const last = new Map<string, number>()
  const floors = new Map<string, number>()
  return {
    admit(key, samples) {
      const floor = floors.get(key)
      let high = last.get(key) ?? -Infinity
      if (floor === undefined) {
        for (const s of samples) high = Math.max(high, positionOf(s))
        last.set(key, high)
        return { fresh: samples as Sample[], duplicates: 0 }
      }
      const fresh: Sample[] = []
      for (const s of samples) {
        const p = positionOf(s)
        if (p > floor || (p <= RESET_BELOW && floor - p > RESET_BELOW)) {
          fresh.push(s)
          high = Math.max(high, p)
        }
      }
      // A restart of the device's numbering ends the floor: it no longer says what was handled.
      if (fresh.some((s) => positionOf(s) <= RESET_BELOW && floor - positionOf(s) > RESET_BELOW)) {
        floors.delete(key)
      }
      last.set(key, high)
      return { fresh, duplicates: samples.length - fresh.length }
    },
    get: (key) => last.get(key),
    set(key, position) {
      floors.set(key, position)
      last.set(key, Math.max(last.get(key) ?? -Infinity, position))
    },
    forget(key) {
      last.delete(key)
      floors.delete(key)
    },
  }
}
