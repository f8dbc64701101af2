/**
 * @module queue/bounded-queue
 * The bounded queue behind every hop (DESIGN.md §5): a ring buffer with O(1) offer and poll, a capacity
 * counted in *samples* (each item carries a weight, e.g. the length of a raw batch), and one of four
 * policies for a full queue: `drop-oldest`, `drop-newest`, `sample` and `block`. Its counters are exact,
 * so `arrived = delivered + dropped + queued` holds at every instant, which is what lets a hop tell counted
 * drops apart from unexplained loss (§6). Nothing in Sluice may grow without a limit, and this is the limit.
 */

/** What a full queue does with the next arrival (DESIGN.md §5). */
export type QueuePolicy = 'drop-oldest' | 'drop-newest' | 'sample' | 'block'

/** Every policy name, in a stable order (for schemas and CLI help). */
export const QUEUE_POLICIES: readonly QueuePolicy[] = [
  'drop-oldest',
  'drop-newest',
  'sample',
  'block',
]

/** Why samples left the queue without being delivered. */
export type DropReason = 'oldest' | 'newest' | 'sampled'

/** Drop counts by reason, in samples. */
export interface DropCounts {
  readonly oldest: number
  readonly newest: number
  readonly sampled: number
}

/** A consistent snapshot of the queue's counters, all in samples. */
export interface QueueCounters {
  /** Everything admitted for consideration; under `block`, refused offers are not arrivals. */
  readonly arrived: number
  readonly delivered: number
  readonly dropped: DropCounts
  /** `dropped.oldest + dropped.newest + dropped.sampled`. */
  readonly droppedTotal: number
  /** Samples in the queue now (= `length`). */
  readonly queued: number
}

/** The outcome of {@link BoundedQueue.offer}. */
export type OfferResult =
  /** The item is queued; `evicted` samples were dropped from the head to make room (drop-oldest/sample). */
  | { readonly accepted: true; readonly evicted: number }
  /** The item was counted as arrived and dropped for `reason`. */
  | { readonly accepted: false; readonly reason: 'newest' | 'sampled' }
  /** `block` policy: no room; the item was NOT counted. Wait for room (`free`) and offer it again. */
  | { readonly accepted: false; readonly reason: 'full' }

/** Options for {@link createBoundedQueue}. */
export interface BoundedQueueOptions {
  /** Capacity in samples (≥ 1). */
  readonly capacity: number
  readonly policy: QueuePolicy
  /**
   * `sample` policy: the largest k (keep one in every k arrivals while full). k starts at 2 when the
   * queue fills and doubles after each kept arrival, up to this cap; it resets when an arrival finds room.
   * Default 1024.
   */
  readonly maxSampleEvery?: number
}

/** A bounded FIFO of items weighted in samples. */
export interface BoundedQueue<T> {
  readonly capacity: number
  readonly policy: QueuePolicy
  /** Samples queued now. */
  readonly length: number
  /** Items queued now (≤ `length` when items weigh more than one sample). */
  readonly size: number
  /** Samples of room left. */
  readonly free: number
  /** The current k of the `sample` policy (1 while not overloaded). */
  readonly sampleEvery: number
  /**
   * Offers an item that weighs `weight` samples (a positive integer, default 1). An item heavier than the
   * whole capacity can never fit: it is dropped as `newest` under every policy, `block` included, so a
   * blocked caller cannot wait forever.
   */
  offer(item: T, weight?: number): OfferResult
  /** Takes the oldest item, or `undefined` when empty. */
  poll(): T | undefined
  /** The oldest item without taking it, or `undefined` when empty. */
  peek(): T | undefined
  /** The weight of the oldest item, or 0 when empty. */
  peekWeight(): number
  /** A snapshot of the counters. */
  counters(): QueueCounters
}

/**
 * Creates a bounded queue.
 *
 * @example
 * ```ts
 * const q = createBoundedQueue<number>({ capacity: 2, policy: 'drop-oldest' })
 * q.offer(1); q.offer(2); q.offer(3) // evicts 1
 * q.poll() // 2
 * q.counters() // { arrived: 3, delivered: 1, dropped: { oldest: 1, newest: 0, sampled: 0 }, queued: 1, … }
 * ```
 */
export function createBoundedQueue<T>(options: BoundedQueueOptions): BoundedQueue<T> {
  const capacity = options.capacity
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`queue capacity must be an integer ≥ 1, got ${String(capacity)}`)
  }
  const policy = options.policy
  if (!QUEUE_POLICIES.includes(policy)) {
    throw new RangeError(`unknown queue policy ${policy as string}`)
  }
  const maxSampleEvery = options.maxSampleEvery ?? 1024

  // Item slots: at most `capacity` items, since every item weighs at least one sample.
  const items: (T | undefined)[] = new Array<T | undefined>(capacity).fill(undefined)
  const weights = new Uint32Array(capacity)
  let head = 0
  let size = 0
  let length = 0

  let arrived = 0
  let delivered = 0
  let droppedOldest = 0
  let droppedNewest = 0
  let droppedSampled = 0

  // `sample` policy state: keep one in every k arrivals while full.
  let sampleEvery = 1
  let sinceKept = 0

  function evictHead(): number {
    const w = weights[head]!
    items[head] = undefined
    head = head + 1 === capacity ? 0 : head + 1
    size--
    length -= w
    return w
  }

  function push(item: T, weight: number): void {
    let tail = head + size
    if (tail >= capacity) tail -= capacity
    items[tail] = item
    weights[tail] = weight
    size++
    length += weight
  }

  function makeRoom(weight: number): number {
    let evicted = 0
    while (capacity - length < weight) evicted += evictHead()
    droppedOldest += evicted
    return evicted
  }

  return {
    capacity,
    policy,
    get length() {
      return length
    },
    get size() {
      return size
    },
    get free() {
      return capacity - length
    },
    get sampleEvery() {
      return sampleEvery
    },
    offer(item: T, weight = 1): OfferResult {
      if (!Number.isInteger(weight) || weight < 1) {
        throw new RangeError(`item weight must be an integer ≥ 1, got ${String(weight)}`)
      }
      if (weight > capacity) {
        arrived += weight
        droppedNewest += weight
        return { accepted: false, reason: 'newest' }
      }
      if (capacity - length >= weight) {
        arrived += weight
        sampleEvery = 1
        sinceKept = 0
        push(item, weight)
        return { accepted: true, evicted: 0 }
      }
      switch (policy) {
        case 'block':
          return { accepted: false, reason: 'full' }
        case 'drop-newest':
          arrived += weight
          droppedNewest += weight
          return { accepted: false, reason: 'newest' }
        case 'drop-oldest': {
          arrived += weight
          const evicted = makeRoom(weight)
          push(item, weight)
          return { accepted: true, evicted }
        }
        case 'sample': {
          arrived += weight
          if (sampleEvery === 1) sampleEvery = 2
          sinceKept++
          if (sinceKept < sampleEvery) {
            droppedSampled += weight
            return { accepted: false, reason: 'sampled' }
          }
          // The kept arrival replaces the oldest: a thinned but fresh stream under overload.
          sinceKept = 0
          sampleEvery = Math.min(sampleEvery * 2, maxSampleEvery)
          const evicted = makeRoom(weight)
          push(item, weight)
          return { accepted: true, evicted }
        }
      }
    },
    poll(): T | undefined {
      if (size === 0) return undefined
      const item = items[head]
      delivered += evictHead()
      return item
    },
    peek(): T | undefined {
      return size === 0 ? undefined : items[head]
    },
    peekWeight(): number {
      return size === 0 ? 0 : weights[head]!
    },
    counters(): QueueCounters {
      return {
        arrived,
        delivered,
        dropped: { oldest: droppedOldest, newest: droppedNewest, sampled: droppedSampled },
        droppedTotal: droppedOldest + droppedNewest + droppedSampled,
        queued: length,
      }
    },
  }
}
