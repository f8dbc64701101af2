/**
 * @module hop/linger
 * Adaptive batching at an outbound hop (issue 16), the one place the rule lives: {@link createLinger}
 * drives the pure {@link createLingerBatches} from the hop's own state. An item that finds the hop free
 * goes out at once, alone; one that finds it busy lingers in its key's batch, which goes out when the hop
 * is free again ({@link OutboundHop.sendable}), when it is full, or at its deadline (one timer, armed for
 * the earliest). Any publisher whose payload has a batch form (the bridge's raw batches, DESIGN.md §4)
 * batches through it; a publisher without one sends each message at once and lets the hop queue them.
 */
import type { LingerFlush, LingerOptions } from './linger-batches.js'
import { createLingerBatches } from './linger-batches.js'
import type { OutboundHop } from './outbound-hop.js'

/** What {@link createLinger} needs of a hop: whether a message sent now would wait, and when it would not. */
export type LingerLink = Pick<OutboundHop, 'busy' | 'sendable'>

/** Options of {@link createLinger}. */
export interface LingerDeps<T> {
  /** The hop the batches go to. */
  readonly link: LingerLink
  /** Publishes one batch (at least one item) of one key. */
  readonly send: (flush: LingerFlush<T>) => void
  /** The clock the items' times are on (epoch ms). */
  readonly now: () => number
}

/** Adaptive batching in front of one outbound hop. */
export interface Linger<T> {
  /**
   * Adds an item of `key`, which arrived at `at` (the `now` clock): it is sent at once (alone, the hop
   * free; or completing a batch), or lingers until the hop is free, the batch full or its deadline.
   */
  add(key: string, item: T, at: number): void
  /**
   * Adds items of `key` that arrived together at `at`: they go out at once in one batch when the hop is
   * free and the key has nothing pending, and otherwise linger as {@link Linger.add} says.
   */
  addAll(key: string, items: readonly T[], at: number): void
  /** Sends every pending batch now (at shutdown). */
  flush(): void
  /** Items waiting in batches. */
  readonly pending: number
  /** Stops the deadline timer and the wait for the hop (call {@link Linger.flush} first to keep what is pending). */
  close(): void
}

/**
 * Creates adaptive batching in front of an outbound hop.
 *
 * @example
 * ```ts
 * const linger = createLinger<Sample>(
 *   { maxSamples: 100, maxDelayMs: 50 },
 *   { link: hop, now: epochMs, send: (f) => hop.publish(topicOf(f.key), encode(f.samples), f.samples.length) },
 * )
 * linger.add('bench/light', sample, sample.ingest)
 * ```
 */
export function createLinger<T>(options: LingerOptions, deps: LingerDeps<T>): Linger<T> {
  const { link, send, now } = deps
  const batches = createLingerBatches<T>(options)
  let timer: NodeJS.Timeout | undefined
  let armedFor = Infinity
  let awaitingSendable = false
  let closed = false

  const onTimer = (): void => {
    timer = undefined
    armedFor = Infinity
    for (const f of batches.due(now())) send(f)
    arm()
  }

  const arm = (): void => {
    if (closed) return
    const next = batches.nextDeadline()
    if (next === undefined || next >= armedFor) return
    if (timer) clearTimeout(timer)
    armedFor = next
    timer = setTimeout(onTimer, Math.max(0, next - now()))
  }

  const sendWhenSendable = (): void => {
    if (awaitingSendable || batches.pending === 0) return
    awaitingSendable = true
    void link.sendable().then(() => {
      awaitingSendable = false
      if (!closed) for (const f of batches.drain()) send(f)
    })
  }

  /** After items were added: wait for the hop if anything lingers, and arm the deadline timer. */
  const added = (): void => {
    sendWhenSendable()
    // A new batch's deadline (at + maxDelayMs) is never earlier than one already armed, and the timer
    // re-arms itself when it fires: so look for the next deadline only when no timer is armed.
    if (timer === undefined) arm()
  }

  return {
    add(key, item, at) {
      const f = batches.add(key, item, at, link.busy)
      if (f) send(f)
      added()
    },
    addAll(key, items, at) {
      for (const f of batches.addAll(key, items, at, link.busy)) send(f)
      added()
    },
    flush() {
      for (const f of batches.drain()) send(f)
    },
    get pending() {
      return batches.pending
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
