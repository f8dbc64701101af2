/**
 * @module detect/novelty-map
 * The memory of the novelty detector ({@link createNoveltyDetector}): the range a signal has covered, which
 * of `bins` equal slices of it have been visited, and which of `contextBins` slices at each phase of the
 * period. It answers how novel a value is (an excursion, a new value, a new context) and learns it; the
 * detector around it adds the refractory period, the EWMA baseline and the verdict. See `detect/novelty`
 * for the rules and their sources.
 *
 * O(1) memory (one 32-bit map per phase plus one) and, per point, O(1) time except when the range widens.
 */

import type { StateObject, StateReader } from '../state/json-state.js'

/** Likelihood of each novelty, strongest first. */
export const NOVELTY_LEVELS = Object.freeze({ excursion: 1, newValue: 0.95, newContext: 0.9 })

/** The resolved options of a {@link NoveltyMap}. */
export interface NoveltyMapOptions {
  readonly bins: number
  readonly contextBins: number
  /** Phases of the period; 0 disables the context rule. */
  readonly phases: number
  readonly tolerance: number
  readonly maxContextRate: number
}

/** Where a signal has been, overall and per phase of its period. */
export interface NoveltyMap {
  /**
   * The novelty of `value` at `phase` (0, or one of {@link NOVELTY_LEVELS}) after `n` earlier points;
   * widens the seen range to include it. Call {@link learn} after it.
   */
  novelty(value: number, phase: number, n: number): number
  /** Marks `value` as visited, overall and at `phase`. */
  learn(value: number, phase: number): void
  reset(): void
  /** The whole state: the seen range, the visited maps and the count of context events (issue 13). */
  saveState(): Record<string, unknown>
  /** Restores a decoded {@link NoveltyMap.saveState}, checked with `r`; unchanged if it throws. */
  loadState(r: StateReader, s: StateObject, path: string): void
}

/**
 * Re-projects a visited-slice bit map from the range `[oldMin, oldMin + oldSpan]` onto
 * `[newMin, newMin + newSpan]`: each visited old slice marks the new slice that holds its centre. (Marking
 * every new slice an old one overlaps would over-mark a little more at each widening, until the map says
 * "seen" where the signal never went; the centre rule tracks exact visited-slice bookkeeping closely.)
 */
function reproject(
  mask: number,
  bins: number,
  oldMin: number,
  oldSpan: number,
  newMin: number,
  newSpan: number,
): number {
  let out = 0
  const oldWidth = oldSpan / bins
  const scale = bins / newSpan
  for (let j = 0; j < bins; j++) {
    if ((mask & (1 << j)) === 0) continue
    const centre = oldMin + (j + 0.5) * oldWidth
    const k = Math.floor((centre - newMin) * scale)
    out |= 1 << (k < 0 ? 0 : k >= bins ? bins - 1 : k)
  }
  return out
}

/** Creates an empty {@link NoveltyMap}. */
export function createNoveltyMap(options: NoveltyMapOptions): NoveltyMap {
  const { bins, contextBins, phases, tolerance, maxContextRate } = options
  let min = 0
  let max = 0
  let visited = 0
  const contexts = new Uint32Array(Math.max(phases, 1))
  let contextEvents = 0

  const sliceOf = (value: number, slices: number): number => {
    const span = max - min
    if (span <= 0) return 0
    const s = Math.floor(((value - min) / span) * slices)
    return s < 0 ? 0 : s >= slices ? slices - 1 : s
  }

  /** Widens the seen range to include `value`, re-projecting the visited maps. */
  const widen = (value: number): void => {
    const newMin = Math.min(min, value)
    const newMax = Math.max(max, value)
    const oldSpan = max - min
    const newSpan = newMax - newMin
    if (oldSpan > 0) {
      visited = reproject(visited, bins, min, oldSpan, newMin, newSpan)
      for (let p = 0; p < contexts.length; p++) {
        contexts[p] = reproject(contexts[p]!, contextBins, min, oldSpan, newMin, newSpan)
      }
    }
    min = newMin
    max = newMax
  }

  return {
    novelty(value, phase, n) {
      if (n === 0) {
        min = value
        max = value
        return 0
      }
      let novelty = 0
      const span = max - min
      const margin = span * tolerance
      // A flat signal so far (span 0) that moves is an excursion too.
      if (value > max + margin || value < min - margin) novelty = NOVELTY_LEVELS.excursion
      if (value > max || value < min) widen(value)
      const slice = 1 << sliceOf(value, bins)
      if (novelty === 0 && (visited & slice) === 0 && span > 0) novelty = NOVELTY_LEVELS.newValue
      if (phases > 0 && span > 0) {
        const c = 1 << sliceOf(value, contextBins)
        if ((contexts[phase]! & c) === 0) {
          // Only once new contexts have become rare: early on, every phase of the day is new.
          if (novelty === 0 && (contextEvents + 1) / (n + 1) < maxContextRate) {
            novelty = NOVELTY_LEVELS.newContext
          }
          contextEvents++
        }
      }
      return novelty
    },
    learn(value, phase) {
      visited |= 1 << sliceOf(value, bins)
      if (phases > 0) contexts[phase]! |= 1 << sliceOf(value, contextBins)
    },
    reset() {
      min = 0
      max = 0
      visited = 0
      contexts.fill(0)
      contextEvents = 0
    },
    saveState: () => ({ min, max, visited, contexts: Array.from(contexts), contextEvents }),
    loadState(r, s, path) {
      const next = {
        min: r.number(s.min, `${path}.min`),
        max: r.number(s.max, `${path}.max`),
        visited: r.integer(s.visited, `${path}.visited`, -(2 ** 31)),
        contexts: r.numbers(s.contexts, `${path}.contexts`, contexts.length),
        contextEvents: r.integer(s.contextEvents, `${path}.contextEvents`),
      }
      next.contexts.forEach((c, i) => {
        if (!Number.isInteger(c) || c < 0 || c >= 2 ** 32)
          r.fail(`${path}.contexts[${i}]`, 'is not a map')
      })
      ;({ min, max, visited, contextEvents } = next)
      contexts.set(next.contexts)
    },
  }
}
