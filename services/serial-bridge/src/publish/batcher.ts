/**
 * @module publish/batcher
 * Groups a sensor's samples into raw batches (DESIGN.md §4) so that one MQTT message per sample never caps
 * throughput, without making slow sensors wait. The rule is the one Kafka's producer accumulator follows
 * with `linger.ms` 0 (and Nagle's, RFC 896, with a window): a sample goes out at once, alone, when the
 * link is free (a message sent now would not wait behind others: nothing queued, fewer than the hop's
 * `maxInFlight` unacknowledged); while the link is busy, samples linger in a per-sensor batch that goes out
 * as soon as the link is free again ({@link Batcher.drain}), when it holds `maxSamples` samples, or when
 * its first sample is `maxDelayMs` old, whichever comes first. So batches form only while samples arrive
 * faster than they can be sent: low rates get the latency of a lone message, and high rates get batches
 * whose size follows the load. Pure: time and the link's state are passed in; the caller arms one timer
 * for {@link Batcher.nextDeadline}.
 */
import type { Sample } from '@sluice/stream'

/** Options of {@link createBatcher}. */
export interface BatcherOptions {
  /** Flush when a batch holds this many samples (N). */
  readonly maxSamples: number
  /** Flush when a batch's first sample is this old (D, ms), even if the link is still busy. */
  readonly maxDelayMs: number
}

/** A batch ready to publish: the sensor key and its samples in arrival order. */
export interface Flush {
  readonly key: string
  readonly samples: Sample[]
}

/** Per-key batching state. */
export interface Batcher {
  /**
   * Adds a sample; returns a batch to publish now when the sample completes one, or goes out alone because
   * the link is free (`linkBusy` false) and its sensor has nothing pending.
   */
  add(key: string, sample: Sample, now: number, linkBusy: boolean): Flush | undefined
  /** Takes every batch whose deadline is at or before `now`. */
  due(now: number): Flush[]
  /** The earliest pending deadline, or undefined when nothing is pending. */
  nextDeadline(): number | undefined
  /** Takes every pending batch (when the link is free again, and at shutdown). */
  drain(): Flush[]
  /** Samples waiting in batches. */
  readonly pending: number
}

interface Pending {
  readonly samples: Sample[]
  readonly deadline: number
}

/**
 * Creates a batcher.
 *
 * @example
 * ```ts
 * const batcher = createBatcher({ maxSamples: 100, maxDelayMs: 50 })
 * const ready = batcher.add('bench/light', sample, now, hop.busy)
 * if (ready) publish(ready.key, ready.samples)
 * for (const f of batcher.due(now)) publish(f.key, f.samples)
 * // once the hop can send again:
 * for (const f of batcher.drain()) publish(f.key, f.samples)
 * ```
 */
export function createBatcher(options: BatcherOptions): Batcher {
  const maxSamples = Math.max(1, Math.floor(options.maxSamples))
  const maxDelayMs = Math.max(0, options.maxDelayMs)
  // Only the sensors with samples pending, in the order their batches started: deadlines are start time +
  // maxDelayMs, so the first entry holds the earliest, and the link's free turns cost O(open batches).
  const open = new Map<string, Pending>()
  let pending = 0

  const take = (key: string, p: Pending): Flush => {
    open.delete(key)
    pending -= p.samples.length
    return { key, samples: p.samples }
  }

  return {
    get pending() {
      return pending
    },
    add(key, sample, now, linkBusy) {
      let p = open.get(key)
      // A sensor with samples pending appends to them even when the link is free: order first.
      if (p === undefined) {
        if (!linkBusy || maxSamples === 1) return { key, samples: [sample] }
        p = { samples: [], deadline: now + maxDelayMs }
        open.set(key, p)
      }
      p.samples.push(sample)
      pending++
      return p.samples.length >= maxSamples ? take(key, p) : undefined
    },
    due(now) {
      const out: Flush[] = []
      for (const [key, p] of open) {
        if (p.deadline > now) break
        out.push(take(key, p))
      }
      return out
    },
    nextDeadline() {
      for (const p of open.values()) return p.deadline
      return undefined
    },
    drain() {
      const out: Flush[] = []
      for (const [key, p] of open) out.push(take(key, p))
      return out
    },
  }
}
