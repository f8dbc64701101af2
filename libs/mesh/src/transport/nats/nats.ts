/**
 * @module transport/nats/nats
 * The NATS transport (issue 14): the `Transport` seam on nats.js 3 with JetStream, so every service runs
 * on `--broker nats://host:4222` unchanged. What each MQTT notion becomes:
 *
 * | MQTT                           | NATS                                                                   |
 * | ------------------------------ | ---------------------------------------------------------------------- |
 * | topic, filter                  | subject (`libs/contract/src/subjects.ts`)                              |
 * | QoS ≥ 1 data subscription      | a JetStream pull consumer per filter, explicit acks (`consumers.ts`)   |
 * | persistent session             | durable consumers named after the client id                            |
 * | QoS ≥ 1 data publish, PUBACK   | a JetStream publish with a message id, the stream's ack (`publisher.ts`) |
 * | anything else                  | core NATS                                                              |
 * | retained message, last will    | a key-value bucket; wills as leases (`retained.ts`)                    |
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import {
  connect,
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node'
import {
  dataStreams,
  retainedBucket,
  streamOf,
  subjectToTopic,
  topicToSubject,
} from '@sluice/contract'
import { MeshConnectError } from '../../errors.js'
import { silentLogger, type MeshLogger } from '../../logger.js'
import type {
  MessageHandler,
  PublishOptions,
  Qos,
  Transport,
  TransportEvent,
} from '../transport.js'
import { natsConnectionOptions, type NatsAuth } from './connection.js'
import { createConsumerSet, type ConsumerSet } from './consumers.js'
import { createNatsPublisher, type NatsPublisher } from './publisher.js'
import { createWillLease, type WillLease } from './will.js'
import { createRetainedStore, type RetainedStore } from './retained.js'
import { retryNats } from './retry.js'
import { DEFAULT_STREAM_LIMITS, ensureStreams, type StreamLimits } from './streams.js'

/** Options of {@link createNatsTransport}. */
export interface NatsTransportOptions extends NatsAuth {
  /** One or several seeds: `nats://127.0.0.1:4222`, `nats://a:4222,nats://b:4222`, `tls://…`. */
  readonly url: string
  readonly clientId: string
  /** The topic prefix, which names the mesh's streams and bucket. */
  readonly prefix: string
  /** `false` for durable consumers (a restarted service resumes where it stopped). Default true. */
  readonly clean?: boolean
  /** The last will: delivered by every watcher when this client's lease runs out. */
  readonly will?: { readonly topic: string; readonly payload: string }
  /** How long a will waits after the last sign of life (ms). Default 5000. */
  readonly leaseMs?: number
  /** Unacknowledged messages per consumer before the server stops delivering. Default 1024. */
  readonly maxAckPending?: number
  readonly streams?: Partial<StreamLimits>
  readonly log?: MeshLogger
}

interface Live {
  readonly nc: NatsConnection
  readonly consumers: ConsumerSet
  readonly publisher: NatsPublisher
  readonly retained: RetainedStore
  readonly timers: NodeJS.Timeout[]
}

/** Connects and sets up streams, the retained bucket and the consumer set. */
async function open(
  o: NatsTransportOptions,
  handler: () => MessageHandler,
  deliver: (topic: string, payload: Uint8Array) => void,
  closing: () => boolean,
  log: MeshLogger,
): Promise<Live> {
  let nc: NatsConnection
  try {
    nc = await connect(natsConnectionOptions(o.url, o, o.clientId))
  } catch (err) {
    throw new MeshConnectError(
      `Cannot connect to the NATS server at ${o.url}: ${(err as Error).message}. Check --broker, and that nats-server runs (with JetStream: -js) and accepts this client's credentials.`,
      { cause: err },
    )
  }
  const streams = dataStreams(o.prefix)
  const onError = (err: unknown): void => log.warn({ err }, 'nats error')
  try {
    // API requests time out after 2 s (default 5): a consumer whose leader died asks again sooner.
    const jsm = await jetstreamManager(nc, { timeout: 2000 })
    // A cluster that has just formed or is electing may not answer at once: asked again for 15 s.
    const retry = { stopped: closing, deadlineMs: 15_000 }
    await ensureStreams(jsm, streams, { ...DEFAULT_STREAM_LIMITS, ...o.streams }, retry)
    const js = jetstream(nc, { timeout: 2000 })
    const replicas = o.streams?.replicas ?? 1
    const kv = await retryNats(
      () => new Kvm(js).create(retainedBucket(o.prefix), { history: 1, replicas }),
      retry,
    )
    const retained = createRetainedStore({
      kv,
      toTopic: subjectToTopic,
      deliver,
      publishWill: (subject, payload) =>
        nc.publish(subject, payload, { headers: retainedHeaders() }),
      onError,
      stopped: closing,
    })
    await retained.start()
    const consumers = createConsumerSet({
      js,
      jsm,
      clientId: o.clientId,
      durable: o.clean === false,
      maxAckPending: o.maxAckPending ?? 1024,
      ackWaitMs: 300_000,
      handler,
      toTopic: subjectToTopic,
      onError,
    })
    const inStream = (subject: string): boolean => streamOf(streams, subject) !== undefined
    const publisher = createNatsPublisher({ nc, js, inStream, closing })
    return { nc, consumers, publisher, retained, timers: [] }
  } catch (err) {
    await nc.close()
    throw new MeshConnectError(
      `Cannot set up the mesh's JetStream streams on ${o.url}: ${(err as Error).message}. JetStream must be on (nats-server -js, or a jetstream block in its config); when storage is short, lower --nats.stream.maxBytes or raise the server's max_file_store.`,
      { cause: err },
    )
  }
}

/**
 * Stops `l`: a graceful stop waits (bounded) for unacknowledged publishes and cancels the will; a clean
 * session's consumers are deleted on a graceful stop.
 */
async function shutdown(
  l: Live,
  will: WillLease,
  options: { readonly graceful?: boolean; readonly timeoutMs?: number },
  clean: boolean,
): Promise<void> {
  for (const t of l.timers) clearInterval(t)
  const graceful = options.graceful ?? true
  if (graceful) {
    const deadline = Date.now() + (options.timeoutMs ?? 2000)
    while (l.publisher.pending > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    await will.cancel().catch(() => undefined)
  }
  await l.consumers.close(graceful && clean)
  l.retained.stop()
}

/** Marks a will published for a lease that ran out: delivered as a retained message, as MQTT does. */
const RETAINED_HEADER = 'Sluice-Retained'
function retainedHeaders(): MsgHdrs {
  const h = headers()
  h.set(RETAINED_HEADER, '1')
  return h
}

/** Core NATS subscriptions by subject, each delivering to `deliver` (no acknowledgement to wait for). */
function createCoreSubscriptions(
  deliver: (topic: string, payload: Uint8Array, retain: boolean) => void,
) {
  const subs = new Map<string, Subscription>()
  return {
    add(nc: NatsConnection, subject: string): void {
      if (subs.has(subject)) return
      const callback = (err: Error | null, m: Msg): void => {
        if (err === null)
          deliver(subjectToTopic(m.subject), m.data, m.headers?.get(RETAINED_HEADER) === '1')
      }
      subs.set(subject, nc.subscribe(subject, { callback }))
    },
    remove(subject: string): void {
      subs.get(subject)?.unsubscribe()
      subs.delete(subject)
    },
    subjects: (): Iterable<string> => subs.keys(),
  }
}

/** Follows the connection's status: `disconnect`, `connect` again after a reconnect, and errors. */
async function followStatus(
  nc: NatsConnection,
  on: (connected: boolean, event: TransportEvent) => void,
): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') on(false, { type: 'disconnect' })
    else if (s.type === 'reconnect') on(true, { type: 'connect' })
    else if (s.type === 'error') on(!nc.isClosed(), { type: 'error', error: s.error })
  }
}

/**
 * Creates a NATS transport (not yet connected).
 *
 * @example
 * ```ts
 * const t = createNatsTransport({ url: 'nats://127.0.0.1:4222', clientId: 'sluice-windowing-w1', prefix: 'sluice' })
 * await t.connect()
 * t.onMessage((msg, ack) => { console.log(msg.topic); ack() })
 * await t.subscribe('sluice/+/+/raw', 1)
 * ```
 */
export function createNatsTransport(o: NatsTransportOptions): Transport {
  const log = o.log ?? silentLogger
  const leaseMs = o.leaseMs ?? 5000
  const listeners = new Set<(e: TransportEvent) => void>()
  const streams = dataStreams(o.prefix)
  let handler: MessageHandler = (_m, ack) => ack()
  let live: Live | undefined
  let connected = false
  let closing = false
  const will = createWillLease({
    will: o.will,
    leaseMs,
    write: (subject, payload, meta) => need().retained.write(subject, payload, meta),
  })

  const emit = (e: TransportEvent): void => {
    for (const l of listeners) l(e)
  }
  const deliver = (topic: string, payload: Uint8Array, retain = true): void =>
    handler({ topic, payload, qos: 0, retain }, () => undefined)
  const core = createCoreSubscriptions(deliver)

  /**
   * After a reconnect, the subscriptions are handed their retained values again, as an MQTT client's
   * are when it subscribes again on a new connection: what was published on core NATS while this client
   * moved to another server is lost to it, and a group member that moved must hear the members that
   * did not (they publish nothing new), or it takes them out after its grace time.
   */
  async function replayAfterReconnect(l: Live): Promise<void> {
    try {
      await l.retained.sync()
    } catch {
      // Not answered now: what the watch holds is handed over all the same.
    }
    if (live !== l || closing) return
    for (const subject of [...core.subjects(), ...l.consumers.subjects()])
      l.retained.replay(subjectToTopic(subject))
  }
  const need = (): Live => {
    if (live === undefined)
      throw new MeshConnectError('The NATS transport is not connected: call connect() first.')
    return live
  }

  async function subscribeOne(filter: string, qos: Qos): Promise<void> {
    const subject = topicToSubject(filter)
    const stream = qos >= 1 ? streamOf(streams, subject) : undefined
    if (stream !== undefined) await need().consumers.add(stream.name, subject)
    else core.add(need().nc, subject)
  }

  return {
    clientId: o.clientId,
    get connected() {
      return connected
    },
    async connect() {
      live = await open(
        o,
        () => handler,
        deliver,
        () => closing,
        log,
      )
      connected = true
      const l = live
      void followStatus(l.nc, (up, e) => {
        connected = up
        emit(e)
        if (e.type !== 'connect') return
        will.renew().catch(() => undefined)
        void replayAfterReconnect(l)
        void l.consumers.resume()
      })
      l.timers.push(setInterval(() => l.retained.expire(), 500).unref())
      l.timers.push(
        setInterval(() => void will.renew().catch(() => undefined), leaseMs / 3).unref(),
      )
      emit({ type: 'connect' })
    },
    async subscribe(filter, qos) {
      const filters = typeof filter === 'string' ? [filter] : [...filter]
      if (filters.length === 0) return
      // Consumers are created a few at a time: each is a request to the server.
      for (let i = 0; i < filters.length; i += 16) {
        await Promise.all(filters.slice(i, i + 16).map((f) => subscribeOne(f, qos)))
      }
      // Then the retained values: a retained publish writes the bucket before it publishes, so one
      // made meanwhile is either in the bucket by now or comes through the subscription made above.
      await need().nc.flush()
      await need().retained.sync()
      for (const f of filters) need().retained.replay(f)
    },
    async unsubscribe(filter) {
      const filters = typeof filter === 'string' ? [filter] : [...filter]
      for (const f of filters) {
        const subject = topicToSubject(f)
        core.remove(subject)
        await need().consumers.remove(subject)
      }
    },
    async publish(topic, payload, opts: PublishOptions) {
      const l = need()
      const subject = topicToSubject(topic)
      const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
      if (opts.retain === true) {
        // The bucket first, then the subscribers (see subscribe).
        await l.retained.write(subject, bytes, will.metaFor(topic, bytes))
        l.nc.publish(subject, bytes)
        return
      }
      await l.publisher.publish(subject, bytes, opts.qos)
    },
    onMessage(h) {
      handler = h
    },
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close(closeOptions = {}) {
      const l = live
      if (l === undefined || closing) return
      closing = true
      await shutdown(l, will, closeOptions, o.clean !== false)
      connected = false
      await l.nc.close().catch(() => undefined)
      emit({ type: 'disconnect' })
    },
  }
}
