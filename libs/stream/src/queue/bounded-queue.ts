/**
 * @module queue/bounded-queue
 * The bounded queue behind every hop (DESIGN.md §5): a ring buffer with O(1) offer and poll, a capacity
 * counted in *samples* (each item carries a weight, e.g. the length of a raw batch), and one of four
 * policies for a full queue: `drop-oldest`, `drop-newest`, `sample` and `block`. Its counters are exact,
 * so `arrived = delivered + dropped + queued` holds at every instant, which is what lets a hop tell counted
 * drops apart from unexplained loss (§6). Nothing in Sluice may grow without a limit, and this is the limit.
 *
 * The ring starts small and doubles up to its capacity, so an idle queue (a broker subscriber that gets
 * nothing, say) costs a few slots rather than a full-capacity array. A caller that must know *which* items
 * were evicted (the broker, whose evicted messages may still live in a persistent session) passes
 * `onEvict`; `drain()` empties the queue and hands back what was left, counted as `drained`.
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
  /** `dropped.oldest + dropped.newest + dropped.sampled + drained`. */
  readonly droppedTotal: number
  /** Samples in the queue now (= `length`). */
  readonly queued: number
  /** Samples removed undelivered by {@link BoundedQueue.drain} (part of `droppedTotal`). */
  readonly drained: number
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
export interface BoundedQueueOptions<T = unknown> {
  /** Capacity in samples (≥ 1). */
  readonly capacity: number
  readonly policy: QueuePolicy
  /**
   * `sample` policy: the largest k (keep one in every k arrivals while full). k starts at 2 when the
   * queue fills and doubles after each kept arrival, up to this cap; it resets when an arrival finds room.
   * Default 1024.
   */
  readonly maxSampleEvery?: number
  /**
   * Called with each item evicted from the head to make room for an arrival (drop-oldest, or sample
   * when it keeps an arrival), before the arrival is queued; the item is counted as `dropped.oldest`.
   */
  readonly onEvict?: (item: T, weight: number) => void
  /**
   * An item that holds several samples may give up some of them: when an arrival needs only `samples` of
   * the oldest item's weight to fit (drop-oldest, or sample when it keeps an arrival), this is called,
   * and if it returns true the item has dropped its first `samples` itself and stays queued with the rest
   * of its weight; those count as `dropped.oldest`. Returning false evicts the item whole. So a queue of
   * runs of samples evicts exactly what a queue of single samples would. Not called with `onEvict`.
   */
  readonly trimHead?: (item: T, samples: number) => boolean
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
  /** Empties the queue and returns its items, oldest first, counting their samples as `drained`. */
  drain(): T[]
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
export function createBoundedQueue<T>(options: BoundedQueueOptions<T>): BoundedQueue<T> {
  const capacity = options.capacity
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`queue capacity must be an integer ≥ 1, got ${String(capacity)}`)
  }
  const policy = options.policy
  if (!QUEUE_POLICIES.includes(policy)) {
    throw new RangeError(`unknown queue policy ${policy as string}`)
  }
  if (options.onEvict !== undefined && options.trimHead !== undefined) {
    throw new RangeError('a queue takes onEvict or trimHead, not both')
  }
  return new RingQueue<T>(
    capacity,
    policy,
    options.maxSampleEvery ?? 1024,
    options.onEvict,
    options.trimHead,
  )
}

/** Item slots a queue starts with; it doubles them as it fills, up to its capacity. */
const INITIAL_SLOTS = 16

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
  private readonly onEvict: ((item: T, weight: number) => void) | undefined
  private readonly trimHead: ((item: T, samples: number) => boolean) | undefined
  // Item slots, grown by doubling up to `capacity` items (every item weighs at least one sample).
  private items: (T | undefined)[]
  private weights: Uint32Array
  // `items.length`, kept as a number so the hot paths read one field.
  private slots: number
  private head = 0
  private count = 0
  private used = 0
  private arrived = 0
  private delivered = 0
  private droppedOldest = 0
  private droppedNewest = 0
  private droppedSampled = 0
  private drained = 0
  // `sample` policy: keep one in every k arrivals while full.
  private k = 1
  private sinceKept = 0

  constructor(
    capacity: number,
    policy: QueuePolicy,
    maxSampleEvery: number,
    onEvict: ((item: T, weight: number) => void) | undefined,
    trimHead: ((item: T, samples: number) => boolean) | undefined,
  ) {
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
    this.onEvict = onEvict
    this.trimHead = trimHead
    const slots = Math.min(capacity, INITIAL_SLOTS)
    this.items = new Array<T | undefined>(slots).fill(undefined)
    this.weights = new Uint32Array(slots)
    this.slots = slots
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

  drain(): T[] {
    const out: T[] = []
    while (this.count > 0) {
      out.push(this.items[this.head] as T)
      this.drained += this.evictHead()
    }
    return out
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
      droppedTotal: this.droppedOldest + this.droppedNewest + this.droppedSampled + this.drained,
      queued: this.used,
      drained: this.drained,
    }
  }

  private evictHead(): number {
    const h = this.head
    const w = this.weights[h]!
    this.items[h] = undefined
    this.head = h + 1 === this.slots ? 0 : h + 1
    this.count--
    this.used -= w
    return w
  }

  private push(item: T, weight: number): void {
    if (this.count === this.slots) this.grow()
    let tail = this.head + this.count
    if (tail >= this.slots) tail -= this.slots
    this.items[tail] = item
    this.weights[tail] = weight
    this.count++
    this.used += weight
  }

  /** Doubles the item slots (up to `capacity`), unrolling the ring to start at slot 0. */
  private grow(): void {
    const slots = Math.min(this.capacity, this.slots * 2)
    const items = new Array<T | undefined>(slots).fill(undefined)
    const weights = new Uint32Array(slots)
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.slots
      items[i] = this.items[from]
      weights[i] = this.weights[from]!
    }
    this.items = items
    this.weights = weights
    this.slots = slots
    this.head = 0
  }

  private makeRoom(weight: number): number {
    let evicted = 0
    const onEvict = this.onEvict
    const trimHead = this.trimHead
    // Separate loops rather than a test per eviction: the common case (no callback) stays as tight as it was.
    if (trimHead !== undefined) {
      for (let need = weight - this.free; need > 0; need = weight - this.free) {
        const h = this.head
        const w = this.weights[h]!
        if (w > need && trimHead(this.items[h] as T, need)) {
          this.weights[h] = w - need
          this.used -= need
          evicted += need
        } else evicted += this.evictHead()
      }
    } else if (onEvict === undefined) {
      while (this.capacity - this.used < weight) evicted += this.evictHead()
    } else {
      while (this.capacity - this.used < weight) {
        const item = this.items[this.head] as T
        const w = this.evictHead()
        evicted += w
        onEvict(item, w)
      }
    }
    this.droppedOldest += evicted
    return evicted
  }
}
