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
   * The samples of `key` beyond its position, in order, and how many were not (duplicates); the
   * position moves to the last one taken.
   */
  admit(key: string, samples: readonly Sample[]): { fresh: Sample[]; duplicates: number }
  get(key: string): number | undefined
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
  const positions = new Map<string, number>()
  return {
    admit(key, samples) {
      let last = positions.get(key)
      if (last === undefined) {
        const tail = samples[samples.length - 1]
        if (tail !== undefined) positions.set(key, positionOf(tail))
        return { fresh: samples as Sample[], duplicates: 0 }
      }
      const fresh: Sample[] = []
      for (const s of samples) {
        const p = positionOf(s)
        if (p > last || (p <= RESET_BELOW && last - p > RESET_BELOW)) {
          fresh.push(s)
          last = p
        }
      }
      positions.set(key, last)
      return { fresh, duplicates: samples.length - fresh.length }
    },
    get: (key) => positions.get(key),
    set: (key, position) => void positions.set(key, position),
    forget: (key) => void positions.delete(key),
  }
}
