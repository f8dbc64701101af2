/**
 * @module hop/linger-batches
 * The batching rule of every outbound hop that batches (issue 16; DESIGN.md §4), pure: items of one key
 * (a sensor's samples, say) go out at once, alone, when the link is free (a message sent now would not
 * wait behind others: the outbound hop's `busy`); while the link is busy they linger in a per-key
 * batch that goes out as soon as the link is free again ({@link LingerBatches.drain}), when it holds
 * `maxSamples` items, or when its first item is `maxDelayMs` old, whichever comes first. So batches form
 * only while items arrive faster than they can be sent: low rates get the latency of a lone message, high
 * rates get batches whose size follows the load. This is Kafka's producer accumulator with `linger.ms` 0,
 * and Nagle's rule (RFC 896) with a window. Time and the link's state are passed in; {@link createLinger}
 * (`linger.ts`) drives it from a hop, with one timer.
 */
/** Options of {@link createLingerBatches}. */
export interface LingerOptions {
  /** Flush when a batch holds this many items (N). */
  readonly maxSamples: number
  /** Flush when a batch's first item is this old (D, ms), even if the link is still busy. */
  readonly maxDelayMs: number
}

/** A batch ready to publish: the key and its items in arrival order. */
export interface LingerFlush<T> {
  readonly key: string
  readonly samples: T[]
}

/** Per-key batching state. */
export interface LingerBatches<T> {
  /**
   * Adds a sample; returns a batch to publish now when the sample completes one, or goes out alone because
   * the link is free (`linkBusy` false) and its sensor has nothing pending.
   */
  add(key: string, sample: T, now: number, linkBusy: boolean): LingerFlush<T> | undefined
  /**
   * Adds items of one key that arrived together (the aggregates one inbound batch closed, say): when the
   * link is free and the key has nothing pending they go out at once, together (in batches of at most
   * `maxSamples`); otherwise each is added as by {@link LingerBatches.add}. Returns the batches to publish now.
   */
  addAll(key: string, items: readonly T[], now: number, linkBusy: boolean): LingerFlush<T>[]
  /** Takes every batch whose deadline is at or before `now`. */
  due(now: number): LingerFlush<T>[]
  /** The earliest pending deadline, or undefined when nothing is pending. */
  nextDeadline(): number | undefined
  /** Takes every pending batch (when the link is free again, and at shutdown). */
  drain(): LingerFlush<T>[]
  /** Items waiting in batches. */
  readonly pending: number
}

interface Pending<T> {
  readonly samples: T[]
  readonly deadline: number
}

/**
 * Splits items into consecutive batches of at most `max` (at least one item each): the size rule every
 * batch of a hop obeys, whether it lingered or went out at once.
 *
 * @example
 * inBatches([1, 2, 3], 2) // [[1, 2], [3]]
 */
export function inBatches<T>(items: readonly T[], max: number): T[][] {
  const size = Math.max(1, Math.floor(max))
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Creates the per-key linger batches of one outbound hop.
 *
 * @example
 * ```ts
 * const batcher = createLingerBatches({ maxSamples: 100, maxDelayMs: 50 })
 * const ready = batcher.add('bench/light', sample, now, hop.busy)
 * if (ready) publish(ready.key, ready.samples)
 * for (const f of batcher.due(now)) publish(f.key, f.samples)
 * // once the hop can send again:
 * for (const f of batcher.drain()) publish(f.key, f.samples)
 * ```
 */
export function createLingerBatches<T>(options: LingerOptions): LingerBatches<T> {
  const maxSamples = Math.max(1, Math.floor(options.maxSamples))
  const maxDelayMs = Math.max(0, options.maxDelayMs)
  // Only the sensors with samples pending, in the order their batches started: deadlines are start time +
  // maxDelayMs, so the first entry holds the earliest, and the link's free turns cost O(open batches).
  const open = new Map<string, Pending<T>>()
  let pending = 0

  const take = (key: string, p: Pending<T>): LingerFlush<T> => {
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
    addAll(key, items, now, linkBusy) {
      const out: LingerFlush<T>[] = []
      if (!linkBusy && !open.has(key))
        return inBatches(items, maxSamples).map((samples) => ({ key, samples }))
      for (const item of items) {
        const f = this.add(key, item, now, true)
        if (f) out.push(f)
      }
      return out
    },
    due(now) {
      const out: LingerFlush<T>[] = []
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
      const out: LingerFlush<T>[] = []
      for (const [key, p] of open) out.push(take(key, p))
      return out
    },
  }
}
