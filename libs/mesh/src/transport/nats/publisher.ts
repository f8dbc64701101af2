/**
 * @module transport/nats/publisher
 * Publishing on NATS with the MQTT transport's meaning:
 * - a QoS ≥ 1 message on a stream's subject is a JetStream publish, resolved on the stream's
 *   acknowledgement (the PUBACK). It carries a message id (`Nats-Msg-Id`), so when the acknowledgement is
 *   lost (a server killed, a leader moving in a cluster) it is sent again until it is stored, and the
 *   stream keeps it once (its duplicate window). A stream that refuses it for good (full with
 *   `discard: new`) rejects the publish, which the outbound hop counts as a drop.
 * - anything else is a core NATS publish, resolved when written.
 */
import type { JetStreamClient } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { randomBytes } from 'node:crypto'
import { retryNats } from './retry.js'

/** Options of {@link createNatsPublisher}. */
export interface NatsPublisherOptions {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  /** True when the stream-held subject `subject` should go through JetStream. */
  readonly inStream: (subject: string) => boolean
  /** True once the transport is closing: retries stop. */
  readonly closing: () => boolean
  /** How long one JetStream attempt waits for the stream's acknowledgement (ms). */
  readonly ackTimeoutMs?: number
}

/** Publishes; see the module comment. */
export interface NatsPublisher {
  publish(subject: string, payload: Uint8Array, qos: number): Promise<void>
  /** JetStream publishes not yet acknowledged. */
  readonly pending: number
}

/** Creates the publisher of one connection. */
export function createNatsPublisher(o: NatsPublisherOptions): NatsPublisher {
  const nonce = randomBytes(6).toString('hex')
  let counter = 0
  let pending = 0

  async function jetstreamPublish(subject: string, payload: Uint8Array): Promise<void> {
    const msgID = `${nonce}-${++counter}`
    pending++
    try {
      await retryNats(
        () => o.js.publish(subject, payload, { msgID, timeout: o.ackTimeoutMs ?? 5000 }),
        {
          stopped: o.closing,
        },
      )
    } finally {
      pending--
    }
  }

  return {
    publish(subject, payload, qos) {
      if (qos >= 1 && o.inStream(subject)) return jetstreamPublish(subject, payload)
      o.nc.publish(subject, payload)
      return Promise.resolve()
    },
    get pending() {
      return pending
    },
  }
}
