/**
 * @module hop/outbound-confirm
 * The messages of an outbound hop and the tracking of the confirmed ones (see the outbound hop's module
 * note). Evictions are found without a callback from the queue: messages carry a running number, and a
 * confirmed one older than the queue's head was evicted. Each confirmed message is settled once: resolved
 * on the broker's acknowledgement, or rejected with {@link MeshUnconfirmedError} when it is dropped.
 */
import type { DropReason } from '@sluice/contract'
import type { BoundedQueue } from '@sluice/stream'
import { MeshUnconfirmedError } from '../errors.js'

/** A message in an outbound hop's queue. */
export interface OutMessage {
  readonly topic: string
  readonly payload: string | Uint8Array
  readonly weight: number
  readonly at: number
  readonly ingest: number | undefined
  /** Time spent in our queue, set when handed to the transport. */
  waited: number
  /** Running number, to tell evicted confirmed messages (older than the queue's head). */
  readonly n: number
  readonly confirm: Confirm | undefined
}

/** How a confirmed message is settled. */
export interface Confirm {
  resolve(): void
  reject(err: Error): void
}

/** The confirmed messages still in an outbound hop's queue. */
export interface Confirmations {
  /** Rejects `m`'s confirmation (if any) with {@link MeshUnconfirmedError}. */
  unconfirmed(m: OutMessage, reason: MeshUnconfirmedError['reason'], cause?: unknown): void
  /** Remembers a confirmed message the queue took. */
  track(m: OutMessage): void
  /** True while confirmed messages are in the queue. */
  readonly pending: boolean
  /** Rejects the confirmed messages the queue evicted: those older than its head (or all, if empty). */
  rejectEvicted(reason: Extract<DropReason, 'oldest' | 'sampled'>): void
  /**
   * Takes `m` off the confirmed list when the pump hands it on: evictions are rejected when they happen,
   * so the oldest confirmed message left is the one the queue yields first.
   */
  handOn(m: OutMessage): void
  /** Forgets every tracked message (they were rejected as the queue was emptied). */
  clear(): void
}

/** Creates the confirmation tracking of the hop `hopName` over its `queue`. */
export function createConfirmations(
  hopName: string,
  queue: BoundedQueue<OutMessage>,
): Confirmations {
  /** Confirmed messages still in the queue, oldest first. */
  const confirming: OutMessage[] = []
  let confirmingHead = 0

  function unconfirmed(
    m: OutMessage,
    reason: MeshUnconfirmedError['reason'],
    cause?: unknown,
  ): void {
    m.confirm?.reject(
      new MeshUnconfirmedError(
        reason,
        `Hop ${hopName} did not deliver a message to ${m.topic} (${reason}).`,
        cause === undefined ? undefined : { cause },
      ),
    )
  }

  function compactConfirming(): void {
    if (confirmingHead > 1024 && confirmingHead * 2 > confirming.length) {
      confirming.splice(0, confirmingHead)
      confirmingHead = 0
    } else if (confirmingHead === confirming.length) {
      confirming.length = 0
      confirmingHead = 0
    }
  }

  return {
    unconfirmed,
    track(m) {
      confirming.push(m)
    },
    get pending() {
      return confirming.length > confirmingHead
    },
    rejectEvicted(reason) {
      const head = queue.peek()
      while (confirmingHead < confirming.length) {
        const m = confirming[confirmingHead]!
        if (head !== undefined && m.n >= head.n) break
        confirming[confirmingHead++] = undefined as unknown as OutMessage
        unconfirmed(m, reason)
      }
      compactConfirming()
    },
    handOn(m) {
      if (confirming[confirmingHead] !== m) return
      confirming[confirmingHead++] = undefined as unknown as OutMessage
      compactConfirming()
    },
    clear() {
      confirming.length = 0
      confirmingHead = 0
    },
  }
}
