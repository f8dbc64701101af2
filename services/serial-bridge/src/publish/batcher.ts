/**
 * @module publish/batcher
 * Groups a sensor's samples into raw batches (DESIGN.md §4) so that one MQTT message per sample never caps
 * throughput: a batch is flushed when it holds `maxSamples` samples or when its first sample is
 * `maxDelayMs` old, whichever comes first. At low rates batching would only add latency, so a sample that
 * arrives when its sensor has been idle for `maxDelayMs` (nothing flushed or pending for that long) goes out
 * at once, alone. Pure: time is passed in; the caller arms one timer for {@link Batcher.nextDeadline}.
 */
import type { Sample } from '@sluice/stream'

/** Options of {@link createBatcher}. */
export interface BatcherOptions {
  /** Flush when a batch holds this many samples (N). */
  readonly maxSamples: number
  /** Flush when a batch's first sample is this old (D, ms). */
  readonly maxDelayMs: number
}

/** A batch ready to publish: the sensor key and its samples in arrival order. */
export interface Flush {
  readonly key: string
  readonly samples: Sample[]
}

/** Per-key batching state. */
export interface Batcher {
  /** Adds a sample; returns a batch to publish now when the sample completes one or goes out alone. */
  add(key: string, sample: Sample, now: number): Flush | undefined
  /** Takes every batch whose deadline is at or before `now`. */
  due(now: number): Flush[]
  /** The earliest pending deadline, or undefined when nothing is pending. */
  nextDeadline(): number | undefined
  /** Takes every pending batch (at shutdown). */
  drain(): Flush[]
  /** Samples waiting in batches. */
  readonly pending: number
}

interface Pending {
  samples: Sample[]
  deadline: number
  lastFlush: number
}

/**
 * Creates a batcher.
 *
 * @example
 * ```ts
 * const batcher = createBatcher({ maxSamples: 100, maxDelayMs: 50 })
 * const ready = batcher.add('bench/light', sample, now)
 * if (ready) publish(ready.key, ready.samples)
 * for (const f of batcher.due(now)) publish(f.key, f.samples)
 * ```
 */
export function createBatcher(options: BatcherOptions): Batcher {
  const maxSamples = Math.max(1, Math.floor(options.maxSamples))
  const maxDelayMs = Math.max(0, options.maxDelayMs)
  const byKey = new Map<string, Pending>()
  let pending = 0

  const take = (key: string, p: Pending, now: number): Flush => {
    const samples = p.samples
    pending -= samples.length
    p.samples = []
    p.deadline = Infinity
    p.lastFlush = now
    return { key, samples }
  }

  return {
    get pending() {
      return pending
    },
    add(key, sample, now) {
      let p = byKey.get(key)
      if (p === undefined) {
        p = { samples: [], deadline: Infinity, lastFlush: -Infinity }
        byKey.set(key, p)
      }
      if (p.samples.length === 0 && (now - p.lastFlush >= maxDelayMs || maxSamples === 1)) {
        p.lastFlush = now
        return { key, samples: [sample] }
      }
      if (p.samples.length === 0) p.deadline = now + maxDelayMs
      p.samples.push(sample)
      pending++
      return p.samples.length >= maxSamples ? take(key, p, now) : undefined
    },
    due(now) {
      const out: Flush[] = []
      for (const [key, p] of byKey) {
        if (p.samples.length > 0 && p.deadline <= now) out.push(take(key, p, now))
      }
      return out
    },
    nextDeadline() {
      let min = Infinity
      for (const p of byKey.values()) if (p.samples.length > 0 && p.deadline < min) min = p.deadline
      return min === Infinity ? undefined : min
    },
    drain() {
      const out: Flush[] = []
      for (const [key, p] of byKey) if (p.samples.length > 0) out.push(take(key, p, p.lastFlush))
      return out
    },
  }
}
