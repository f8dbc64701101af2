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

/**
 * Why samples left the queue without being delivered: its policy's drops. `@sluice/contract`'s
 * `DropReason`, the union of every reason a hop reports, includes these.
 */
export type QueueDropReason = 'oldest' | 'newest' | 'sampled'

/** Drop counts by reason, in samples. */
export type DropCounts = Readonly<Record<QueueDropReason, number>>

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
  | { readonly accepted: false; readonly reason: Exclude<QueueDropReason, 'oldest'> }
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

// Results without a varying field are shared constants: `offer` then allocates nothing on its hot paths.
const ACCEPTED: OfferResult = Object.freeze({ accepted: true, evicted: 0 })
const EVICTED_ONE: OfferResult = Object.freeze({ accepted: true, evicted: 1 })
const REFUSED_FULL: OfferResult = Object.freeze({ accepted: false, reason: 'full' })
const DROPPED_NEWEST: OfferResult = Object.freeze({ accepted: false, reason: 'newest' })
const DROPPED_SAMPLED: OfferResult = Object.freeze({ accepted: false, reason: 'sampled' })

function evictedResult(evicted: number): OfferResult {
  if (evicted === 0) return ACCEPTED
  return evicted === 1 ? EVICTED_ONE : { accepted: true, evicted }
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
  return new RingQueue<T>(capacity, policy, options.maxSampleEvery ?? 1024)
}

const BLOCK = 0
const DROP_NEWEST = 1
const DROP_OLDEST = 2
const SAMPLE = 3

/**
 * The ring buffer. A class rather than a closure: V8 keeps its state in object fields with a fixed
 * shape, which it reads faster than closure context slots on the offer/poll hot path (bench/micro/queue).
 */
class RingQueue<T> implements BoundedQueue<T> {
  readonly capacity: number
  readonly policy: QueuePolicy
  private readonly mode: number
  private readonly maxSampleEvery: number
  // Item slots: at most `capacity` items, since every item weighs at least one sample.
  private readonly items: (T | undefined)[]
  private readonly weights: Uint32Array
  private head = 0
  private count = 0
  private used = 0
  private arrived = 0
  private delivered = 0
  private droppedOldest = 0
  private droppedNewest = 0
  private droppedSampled = 0
  // `sample` policy: keep one in every k arrivals while full.
  private k = 1
  private sinceKept = 0

  constructor(capacity: number, policy: QueuePolicy, maxSampleEvery: number) {
    this.capacity = capacity
    this.policy = policy
    this.mode =
      policy === 'block'
        ? BLOCK
        : policy === 'drop-newest'
          ? DROP_NEWEST
          : policy === 'drop-oldest'
            ? DROP_OLDEST
            : SAMPLE
    this.maxSampleEvery = maxSampleEvery
    this.items = new Array<T | undefined>(capacity).fill(undefined)
    this.weights = new Uint32Array(capacity)
  }

  get length(): number {
    return this.used
  }

  get size(): number {
    return this.count
  }

  get free(): number {
    return this.capacity - this.used
  }

  get sampleEvery(): number {
    return this.k
  }

  offer(item: T, weight = 1): OfferResult {
    // `(weight | 0) !== weight` is Number.isInteger for the 32-bit range, and cheaper on this hot path.
    if ((weight | 0) !== weight || weight < 1) {
      throw new RangeError(`item weight must be an integer ≥ 1, got ${String(weight)}`)
    }
    if (this.capacity - this.used >= weight) {
      this.arrived += weight
      this.k = 1
      this.sinceKept = 0
      this.push(item, weight)
      return ACCEPTED
    }
    if (weight > this.capacity) {
      this.arrived += weight
      this.droppedNewest += weight
      return DROPPED_NEWEST
    }
    switch (this.mode) {
      case BLOCK:
        return REFUSED_FULL
      case DROP_NEWEST:
        this.arrived += weight
        this.droppedNewest += weight
        return DROPPED_NEWEST
      case DROP_OLDEST: {
        this.arrived += weight
        const evicted = this.makeRoom(weight)
        this.push(item, weight)
        return evictedResult(evicted)
      }
      default: {
        this.arrived += weight
        if (this.k === 1) this.k = 2
        if (++this.sinceKept < this.k) {
          this.droppedSampled += weight
          return DROPPED_SAMPLED
        }
        // The kept arrival replaces the oldest: a thinned but fresh stream under overload.
        this.sinceKept = 0
        this.k = Math.min(this.k * 2, this.maxSampleEvery)
        const evicted = this.makeRoom(weight)
        this.push(item, weight)
        return evictedResult(evicted)
      }
    }
  }

  poll(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.delivered += this.evictHead()
    return item
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  peekWeight(): number {
    return this.count === 0 ? 0 : this.weights[this.head]!
  }

  counters(): QueueCounters {
    return {
      arrived: this.arrived,
      delivered: this.delivered,
      dropped: {
        oldest: this.droppedOldest,
        newest: this.droppedNewest,
        sampled: this.droppedSampled,
      },
      droppedTotal: this.droppedOldest + this.droppedNewest + this.droppedSampled,
      queued: this.used,
    }
  }

  private evictHead(): number {
    const h = this.head
    const w = this.weights[h]!
    this.items[h] = undefined
    this.head = h + 1 === this.capacity ? 0 : h + 1
    this.count--
    this.used -= w
    return w
  }

  private push(item: T, weight: number): void {
    let tail = this.head + this.count
    if (tail >= this.capacity) tail -= this.capacity
    this.items[tail] = item
    this.weights[tail] = weight
    this.count++
    this.used += weight
  }

  private makeRoom(weight: number): number {
    let evicted = 0
    while (this.capacity - this.used < weight) evicted += this.evictHead()
    this.droppedOldest += evicted
    return evicted
  }
}
