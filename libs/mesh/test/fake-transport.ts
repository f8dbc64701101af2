/**
 * @module test/fake-transport
 * An in-memory {@link Transport} for unit tests of hops: messages are injected by hand, acknowledgements
 * are observable, publishes are recorded and settled on demand, and the connection state is switchable.
 */
import type {
  MessageHandler,
  PublishOptions,
  Qos,
  Transport,
  TransportEvent,
} from '../src/transport/transport.js'

export interface FakePublish {
  readonly topic: string
  readonly payload: string | Uint8Array
  readonly options: PublishOptions
  resolve(): void
  reject(err: Error): void
}

export interface FakeTransport extends Transport {
  readonly subscriptions: Map<string, Qos>
  readonly published: FakePublish[]
  /** Settle publishes automatically (default true). */
  autoAck: boolean
  setConnected(connected: boolean): void
  /** Delivers a message; returns a function telling whether it has been acknowledged. */
  inject(topic: string, payload: string | Uint8Array, qos?: Qos): () => boolean
}

export function createFakeTransport(): FakeTransport {
  let handler: MessageHandler = (_m, ack) => ack()
  const listeners = new Set<(e: TransportEvent) => void>()
  let connected = true
  const t: FakeTransport = {
    clientId: 'fake',
    subscriptions: new Map(),
    published: [],
    autoAck: true,
    get connected() {
      return connected
    },
    connect: () => Promise.resolve(),
    subscribe(filter, qos) {
      for (const f of typeof filter === 'string' ? [filter] : filter) t.subscriptions.set(f, qos)
      return Promise.resolve()
    },
    unsubscribe(filter) {
      for (const f of typeof filter === 'string' ? [filter] : filter) t.subscriptions.delete(f)
      return Promise.resolve()
    },
    publish(topic, payload, options) {
      return new Promise<void>((resolve, reject) => {
        t.published.push({ topic, payload, options, resolve, reject })
        if (t.autoAck) resolve()
      })
    },
    onMessage(h) {
      handler = h
    },
    onEvent(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    close: () => Promise.resolve(),
    setConnected(c) {
      connected = c
      for (const l of listeners) l(c ? { type: 'connect' } : { type: 'disconnect' })
    },
    inject(topic, payload, qos = 1) {
      let acked = false
      handler({ topic, payload: Buffer.from(payload), qos, retain: false }, () => (acked = true))
      return () => acked
    },
  }
  return t
}
