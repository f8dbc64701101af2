/**
 * @module transport/nats/will
 * A client's last will as a lease on its retained will-topic value (see `retained.ts`): while the client
 * lives, that value is written with the lease and the will's payload, and renewed every third of the
 * lease; a graceful stop writes it once more without them, which cancels the will as MQTT's DISCONNECT
 * does.
 */
import { topicToSubject } from '@sluice/contract'

/** The metadata a retained value is written with. */
export interface LeaseMeta {
  readonly lease?: number
  readonly will?: string
}

/** Options of {@link createWillLease}. */
export interface WillLeaseOptions {
  readonly will: { readonly topic: string; readonly payload: string } | undefined
  readonly leaseMs: number
  /** Writes a retained value with its metadata. */
  readonly write: (subject: string, payload: Uint8Array, meta: LeaseMeta) => Promise<void>
}

/** The will of one transport. */
export interface WillLease {
  /** The metadata of a retained publish on `topic`; remembers the value when it is the will topic's. */
  metaFor(topic: string, payload: Uint8Array): LeaseMeta
  /** Writes the will topic's value again with a fresh lease (a timer, and after a reconnect). */
  renew(): Promise<void>
  /** Writes it without a lease: no will follows (a graceful stop). */
  cancel(): Promise<void>
}

/** Creates the will lease of one transport. */
export function createWillLease(o: WillLeaseOptions): WillLease {
  let value: Uint8Array | undefined
  const leased: LeaseMeta =
    o.will === undefined
      ? {}
      : { lease: o.leaseMs, will: Buffer.from(o.will.payload).toString('base64') }

  function writeValue(meta: LeaseMeta): Promise<void> {
    if (o.will === undefined || value === undefined) return Promise.resolve()
    return o.write(topicToSubject(o.will.topic), value, meta)
  }

  return {
    metaFor(topic, payload) {
      if (o.will === undefined || topic !== o.will.topic) return {}
      value = payload
      return leased
    },
    renew: () => writeValue(leased),
    cancel: () => writeValue({}),
  }
}
