/**
 * @module queue/subscriber-queue
 * The bounded outbound queue the broker keeps for each subscriber (DESIGN.md §5, "Isolation at the
 * broker"). A ring buffer with O(1) offer and poll whose full-queue policy decides what is lost, and whose
 * counters are exact: `arrived = delivered + dropped + queued` at every instant. Unlike a hop's queue it
 * returns the evicted items, because the broker must know whether an evicted message still lives in a
 * persistent session (then it is *deferred*, not lost). `block` cannot hold the publisher at a shared
 * broker, so here it means "hold up to capacity, then refuse the newest".
 */

/** What a full subscriber queue does with the next arrival (DESIGN.md §5). */
export type SubscriberQueuePolicy = 'drop-oldest' | 'drop-newest' | 'sample' | 'block'

/** Every policy name, in a stable order (for flags and help). */
export const SUBSCRIBER_QUEUE_POLICIES: readonly SubscriberQueuePolicy[] = [
  'drop-oldest',
  'drop-newest',
  'sample',
  'block',
]

/** The outcome of one {@link SubscriberQueue.offer}. */
export interface OfferOutcome<T> {
  /** Whether the offered item is now in the queue. */
  readonly accepted: boolean
  /** Items removed from the head to make room (drop-oldest, or sample when it keeps an arrival). */
  readonly evicted: readonly T[]
}

/** Why messages left the queue undelivered (the reasons of DESIGN.md §6's `dropped`). */
export interface SubscriberDropCounts {
  /** Evicted from the head (drop-oldest). */
  readonly oldest: number
  /** Refused on arrival (drop-newest, block). */
  readonly newest: number
  /** Thinned out by the sample policy. */
  readonly sampled: number
  /** Left in the queue when it was drained (the subscriber went away). */
  readonly drained: number
}

/** Exact counters, in messages: `arrived = delivered + dropped + queued`. */
export interface SubscriberQueueCounters {
  readonly arrived: number
  readonly delivered: number
  readonly dropped: number
  readonly droppedBy: SubscriberDropCounts
  readonly queued: number
}

/** A bounded FIFO with a full-queue policy. */
export interface SubscriberQueue<T> {
  readonly capacity: number
  readonly policy: SubscriberQueuePolicy
  readonly length: number
  /** Offers an item; see {@link OfferOutcome}. Refused and evicted items count as dropped. */
  offer(item: T): OfferOutcome<T>
  /** Takes the oldest item (counted as delivered), or `undefined` when empty. */
  poll(): T | undefined
  /** Empties the queue, counting every removed item as dropped, and returns them. */
  drain(): T[]
  counters(): SubscriberQueueCounters
}

const NOTHING: readonly never[] = Object.freeze([])

/**
 * Creates a bounded subscriber queue.
 *
 * Under `sample`, while the queue is full one arrival in every k is kept (evicting the head) and the others
 * are refused; k starts at 2 and doubles after each kept arrival up to `maxSampleEvery`, and resets to 1 as
 * soon as an arrival finds room, so the overload sets the thinning.
 *
 * @example
 * ```ts
 * const q = createSubscriberQueue<string>({ capacity: 2, policy: 'drop-oldest' })
 * q.offer('a'); q.offer('b')
 * q.offer('c').evicted // ['a']
 * q.counters() // { arrived: 3, delivered: 0, dropped: 1, droppedBy: { oldest: 1, … }, queued: 2 }
 * ```
 */
export function createSubscriberQueue<T>(options: {
  capacity: number
  policy: SubscriberQueuePolicy
  maxSampleEvery?: number
}): SubscriberQueue<T> {
  const { capacity, policy } = options
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`subscriber queue capacity must be an integer ≥ 1, got ${capacity}`)
  }
  const maxSampleEvery = options.maxSampleEvery ?? 1024
  // The ring starts small and doubles up to `capacity`, so an idle subscriber (or a publisher that
  // never subscribes) costs a few slots, not a full-capacity array.
  let ring: (T | undefined)[] = new Array<T | undefined>(Math.min(capacity, 16))
  let head = 0
  let length = 0
  let arrived = 0
  let delivered = 0
  let dropped = 0
  const droppedBy = { oldest: 0, newest: 0, sampled: 0, drained: 0 }
  let sampleEvery = 1
  let sinceKept = 0

  function push(item: T): void {
    if (length === ring.length) {
      const grown = new Array<T | undefined>(Math.min(capacity, ring.length * 2))
      for (let i = 0; i < length; i++) grown[i] = ring[(head + i) % ring.length]
      ring = grown
      head = 0
    }
    ring[(head + length) % ring.length] = item
    length++
  }

  function shift(): T {
    const item = ring[head] as T
    ring[head] = undefined
    head = (head + 1) % ring.length
    length--
    return item
  }

  return {
    capacity,
    policy,
    get length() {
      return length
    },
    offer(item) {
      arrived++
      if (length < capacity) {
        sampleEvery = 1
        sinceKept = 0
        push(item)
        return { accepted: true, evicted: NOTHING }
      }
      if (policy === 'drop-newest' || policy === 'block') {
        dropped++
        droppedBy.newest++
        return { accepted: false, evicted: NOTHING }
      }
      if (policy === 'sample') {
        if (sampleEvery === 1) sampleEvery = 2
        sinceKept++
        if (sinceKept < sampleEvery) {
          dropped++
          droppedBy.sampled++
          return { accepted: false, evicted: NOTHING }
        }
        sinceKept = 0
        sampleEvery = Math.min(sampleEvery * 2, maxSampleEvery)
      }
      const evicted = shift()
      dropped++
      if (policy === 'sample') droppedBy.sampled++
      else droppedBy.oldest++
      push(item)
      return { accepted: true, evicted: [evicted] }
    },
    poll() {
      if (length === 0) return undefined
      delivered++
      return shift()
    },
    drain() {
      const out: T[] = []
      while (length > 0) out.push(shift())
      dropped += out.length
      droppedBy.drained += out.length
      return out
    },
    counters() {
      return { arrived, delivered, dropped, droppedBy: { ...droppedBy }, queued: length }
    },
  }
}
