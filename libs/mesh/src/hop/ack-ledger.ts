/**
 * @module hop/ack-ledger
 * The acknowledgement ledger of an inbound hop in `handled` mode (see the inbound hop's module note):
 * which messages still have items unhandled or confirmations pending, and when each is acknowledged
 * (`taken`) or left at the broker (`leave`). It also bounds what the handler may have published ahead
 * of the broker: at most `maxUnconfirmed` samples handled and waiting for their confirmations.
 */
import { MeshUnconfirmedError } from '../errors.js'
import type { AckOutcome } from '../transport/transport.js'
import type { InboundCounters } from './inbound-counters.js'

/** One message in `handled` mode: acknowledged once nothing of it is outstanding. */
export interface Delivery {
  /** Items not yet handled; -1 once the message was settled otherwise (left at shutdown). */
  outstanding: number
  /** Samples the message carries (set once its items are weighed). */
  samples: number
  readonly ack: (outcome?: AckOutcome) => void
  /** What the handler asked to wait for, over every batch that held its items. */
  confirmations: PromiseLike<unknown>[] | undefined
  /** The last batch that added confirmations (so one batch adds them once). */
  batchId: number
}

/** The acknowledgement ledger of one inbound hop. */
export interface AckLedger {
  /** True in `handled` mode; otherwise every method is a no-op and `open` returns undefined. */
  readonly handledMode: boolean
  /** Opens the delivery of a message, or undefined if it is acknowledged on enqueue. */
  open(qos: number, ack: (outcome?: AckOutcome) => void, canReadOn: boolean): Delivery | undefined
  /**
   * Marks a handled batch's entries, ties `confirmations` to their deliveries and settles the done ones.
   * `samples` (the batch's) count as unconfirmed until the confirmations settle.
   */
  completeBatch(
    entries: readonly { readonly delivery: Delivery | undefined }[],
    samples: number,
    confirmations: PromiseLike<unknown>[],
  ): void
  /** Resolves once the unconfirmed samples are under `maxUnconfirmed`, unless `mayWait()` turns false. */
  waitForRoom(mayWait: () => boolean): Promise<void>
  /** Lets a waiting `waitForRoom` check `mayWait` again (a message is now waiting for room). */
  wake(): void
  /** Leaves these deliveries at the broker (unacknowledged; delivered again after a restart). */
  leave(deliveries: Iterable<Delivery>): void
}

/** Drops by an outbound hop's policy: counted there, so the source message is acknowledged. */
const POLICY_DROPS: ReadonlySet<string> = new Set(['oldest', 'newest', 'sampled'])

/** Creates the ledger; in `enqueue` mode (`handledMode` false) it holds nothing. */
export function createAckLedger(
  handledMode: boolean,
  maxUnconfirmed: number,
  counters: InboundCounters,
): AckLedger {
  /** Samples handled whose confirmations are still pending. */
  let unconfirmed = 0
  let waiter: (() => void) | undefined
  let batchCounter = 0

  const wake = (): void => {
    const w = waiter
    waiter = undefined
    w?.()
  }

  /**
   * Acknowledges a handled delivery once its confirmations settle. If one was dropped by its outbound
   * hop's policy, the loss is already counted there and the message is acknowledged (counted here as
   * `unconfirmed`): left unacknowledged it would hold one of the broker's in-flight slots until the
   * next reconnect, and a few of those stall the session. Any other failure (the connection, a
   * shutdown) leaves it at the broker, which delivers it again after the reconnect or restart.
   */
  const settle = (d: Delivery): void => {
    const c = d.confirmations
    if (c === undefined) {
      d.ack('taken')
      return
    }
    void Promise.allSettled(c).then((results) => {
      let outcome: AckOutcome = 'taken'
      for (const r of results) {
        if (r.status === 'fulfilled') continue
        const reason: unknown = r.reason
        if (reason instanceof MeshUnconfirmedError && POLICY_DROPS.has(reason.reason)) continue
        outcome = 'leave'
      }
      // Handled, so no gap here: counted as `unconfirmed` (not in this hop's explained drops).
      if (results.some((r) => r.status === 'rejected')) counters.dropped.unconfirmed += d.samples
      d.ack(outcome)
    })
  }

  return {
    handledMode,
    open(qos, ack, canReadOn) {
      // `handled` mode needs the transport to read on before acknowledging (QoS 1 over MQTT); where it
      // cannot (QoS 2 in mqtt.js), the message is acknowledged on enqueue.
      return handledMode && canReadOn && qos > 0
        ? { outstanding: 0, samples: 0, ack, confirmations: undefined, batchId: 0 }
        : undefined
    },
    completeBatch(entries, samples, confirmations) {
      if (!handledMode) return
      if (confirmations.length > 0) {
        unconfirmed += samples
        void Promise.allSettled(confirmations).then(() => {
          unconfirmed -= samples
          wake()
        })
      }
      const id = ++batchCounter
      for (const e of entries) {
        const d = e.delivery
        if (d === undefined) continue
        if (confirmations.length > 0 && d.batchId !== id) {
          d.batchId = id
          if (d.confirmations === undefined) d.confirmations = [...confirmations]
          else d.confirmations.push(...confirmations)
        }
        if (--d.outstanding === 0) settle(d)
      }
    },
    async waitForRoom(mayWait) {
      while (handledMode && unconfirmed >= maxUnconfirmed && mayWait())
        await new Promise<void>((resolve) => (waiter = resolve))
    },
    wake,
    leave(deliveries) {
      for (const d of deliveries) {
        d.outstanding = -1
        d.ack('leave')
      }
    },
  }
}
