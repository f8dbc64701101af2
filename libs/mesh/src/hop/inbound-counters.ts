/**
 * @module hop/inbound-counters
 * The counters one inbound hop keeps beside its queue's, shared by its parts (decoding, the drain loop,
 * the acknowledgement ledger) and read by its `metrics()`. They keep the accounting identity of the
 * metrics (docs/metrics.md): every sample taken in is out, dropped by a named reason, or still queued.
 */
import type { DropReason } from '@sluice/contract'

/** The drop reasons an inbound hop counts itself, beyond its queue's policy. */
export type InboundDropReason = Extract<
  DropReason,
  | 'shutdown'
  | 'handler-error'
  | 'left'
  | 'unconfirmed'
  | 'future'
  | 'max-sensors'
  | 'late'
  | 'handover'
  | 'duplicate'
>

/** The mutable counters of one inbound hop (cumulative). */
export interface InboundCounters {
  /** Messages refused before any sample was taken in (bad topic, bad payload). */
  rejected: number
  /** Items without a sequence number (their loss cannot be known). */
  unsequenced: number
  /** Samples handed to the handler and not dropped by it. */
  out: number
  /** Samples taken in but never offered to the queue (dropped at intake or while waiting for room). */
  takenOutside: number
  /** Samples of the batch the handler holds now: taken out of the queue, not yet out or dropped. */
  inFlight: number
  /** Drops the publisher counted upstream and declared in the payloads (explained gaps). */
  upstreamDropped: number
  /** Drops by reason, beyond the queue's policy. */
  readonly dropped: Record<InboundDropReason, number>
}

/** Zeroed counters. */
export function createInboundCounters(): InboundCounters {
  return {
    rejected: 0,
    unsequenced: 0,
    out: 0,
    takenOutside: 0,
    inFlight: 0,
    upstreamDropped: 0,
    dropped: {
      shutdown: 0,
      'handler-error': 0,
      left: 0,
      unconfirmed: 0,
      future: 0,
      'max-sensors': 0,
      late: 0,
      handover: 0,
      duplicate: 0,
    },
  }
}
