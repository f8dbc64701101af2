/**
 * @module transport/nats/consumers
 * Inbound data on JetStream: one pull consumer per subscribed filter, with explicit acks.
 *
 * - **Flow control** is the transport contract's: the next message is handed over only once the last one
 *   was settled (`ack`) or let go (`readOn`), so a hop that withholds its acknowledgement under `block`
 *   stops its own consumer; the server stops delivering at `max_ack_pending` unacknowledged messages.
 * - **Acknowledgements** go out when the hop says so (at once, or after handling in `handled` mode), so a
 *   crash redelivers what was not handled (at least once). `leave` acknowledges nothing: the message comes
 *   again at once when the durable consumer is opened again (a restart), else after `ack_wait`.
 * - **A filter that takes over** from another of the same connection (a lone group member widening to the
 *   wildcards, or narrowing back to its own sensors; `subscribe` before `unsubscribe`) starts where the
 *   older consumer has acknowledged up to, not at new messages. On MQTT both filters are queued on one
 *   connection, in order; here each is a consumer of its own, and the older one may be behind its stream
 *   (a slow handler, `block`), so what it held but had not handed on would otherwise be lost when it goes.
 *   What both hand on comes twice, and is counted as duplicates downstream.
 * - **After a reconnect** a consumer the server counts messages as delivered to starts again right after
 *   its last acknowledged one (`resume`): what the server had sent when the connection died never arrived,
 *   and would otherwise come only after `ack_wait` (windowing's NATS cluster test: 5 of 1 728 samples,
 *   minutes late). What was received is handed on first; what then comes twice is counted as duplicates.
 * - **Sessions**: a persistent session (`clean: false`) has durable consumers named after the client and
 *   the filter, so a restarted service resumes where it stopped; a clean one has consumers named for the
 *   connection that start at new messages, as an MQTT clean session does, and expire a minute after it
 *   ends (they are deleted at once on a graceful close).
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import { subjectsOverlap } from '@sluice/contract'
import type { AckOutcome, MessageHandler } from '../transport.js'
import { createDuplicateMemory, type DuplicateMemory } from './duplicates.js'
import { retryNats, type RetryOptions } from './retry.js'

/** Options of {@link createConsumerSet}. */
export interface ConsumerSetOptions {
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly clientId: string
  /** Durable consumers (a persistent session) or ephemeral ones. */
  readonly durable: boolean
  readonly maxAckPending: number
  /** How long an unacknowledged message waits before it is delivered again (ms). */
  readonly ackWaitMs: number
  readonly handler: () => MessageHandler
  readonly toTopic: (subject: string) => string
  readonly onError: (err: unknown) => void
}

/** The JetStream consumers of one transport, by filter subject. */
export interface ConsumerSet {
  add(stream: string, subject: string): Promise<void>
  remove(subject: string): Promise<void>
  /**
   * After a reconnect: restarts, right after its last acknowledged message, every consumer with messages
   * delivered and not acknowledged (they may have died on the way).
   */
  resume(): Promise<void>
  has(subject: string): boolean
  /** The filter subjects read now. */
  subjects(): Iterable<string>
  /** Stops reading; `forget` also deletes the consumers (a clean session ending). */
  close(forget: boolean): Promise<void>
}

/** How one consumer is read now. */
interface Reader {
  readonly messages: ConsumerMessages
  /** Resolves once reading stopped and what was handed on was settled (or 2 s went by). */
  readonly drained: Promise<void>
}

interface Running {
  readonly stream: string
  readonly name: string
  readonly memory: DuplicateMemory
  reader: Reader
  /** A restart under way (`resume`), and whether another reconnect came meanwhile. */
  restarting?: Promise<void>
  again?: boolean
}

/** Undefined for a consumer that is not there (removed meanwhile); rethrows anything else. */
function notFound(err: unknown): undefined {
  if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)
    return undefined
  throw err
}

/** The durable name of `clientId`'s consumer of `subject`: readable, and unique by a hash. */
export function durableName(clientId: string, subject: string): string {
  const hash = createHash('sha256').update(subject).digest('hex').slice(0, 12)
  return `${clientId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}_${hash}`
}

/** Creates the consumer set of one connection. */
export function createConsumerSet(o: ConsumerSetOptions): ConsumerSet {
  const running = new Map<string, Running>()
  const session = randomBytes(4).toString('hex')
  let closed = false
  let forgetting = false

  /** Hands `m` to the handler; resolves once it was settled or let go; `settled` is called once settled. */
  function deliver(m: JsMsg, memory: DuplicateMemory, settled: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false
      const ack = (outcome: AckOutcome = 'taken'): void => {
        if (done) return
        done = true
        if (outcome === 'taken') m.ack()
        else memory.forget(m)
        settled()
        resolve()
      }
      const duplicate = memory.seen(m)
      const message = {
        topic: o.toTopic(m.subject),
        payload: m.data,
        qos: 1 as const,
        retain: false,
        // Taken before (its acknowledgement died with a server, or its publish was stored twice): the
        // hop counts it.
        ...(duplicate ? { duplicate: true } : {}),
      }
      try {
        o.handler()(message, ack, resolve)
      } catch (err) {
        o.onError(err)
        resolve()
      }
    })
  }

  /**
   * The stream sequence a new consumer of `subject` starts at so that it takes over, with nothing lost,
   * from the running consumers of this connection whose filters overlap it: the first one a lagging
   * consumer has not acknowledged, or the stream's next one if all of them are caught up. Undefined when
   * none overlaps (start at new messages).
   */
  async function takeoverStart(stream: string, subject: string): Promise<number | undefined> {
    const overlapping = [...running]
      .filter(([other, r]) => r.stream === stream && subjectsOverlap(other, subject))
      .map(([, r]) => r.name)
    if (overlapping.length === 0) return undefined
    // Read before the consumers: whatever they had caught up with then is at or below it.
    let start = (await o.jsm.streams.info(stream)).state.last_seq + 1
    const infos = await Promise.all(
      // One removed meanwhile holds nothing back; another failure is asked again (retryNats).
      overlapping.map((name) => o.jsm.consumers.info(stream, name).catch(notFound)),
    )
    for (const info of infos) {
      if (info === undefined || (info.num_pending === 0 && info.num_ack_pending === 0)) continue
      start = Math.min(start, info.ack_floor.stream_seq + 1)
    }
    return start
  }

  /** The name of this set's consumer of `subject`. */
  const nameOf = (subject: string): string =>
    o.durable ? durableName(o.clientId, subject) : durableName(`${o.clientId}-${session}`, subject)

  /** Creates this set's consumer of `subject`, starting at stream sequence `from` (default: new messages). */
  async function create(stream: string, subject: string, from?: number): Promise<void> {
    await o.jsm.consumers.add(stream, {
      durable_name: nameOf(subject),
      ack_policy: AckPolicy.Explicit,
      filter_subject: subject,
      max_ack_pending: o.maxAckPending,
      ack_wait: nanos(o.ackWaitMs),
      ...(from === undefined
        ? { deliver_policy: DeliverPolicy.New }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from }),
      // A clean session's consumer is named for this connection only and goes a while after the client
      // stops reading. It is durable in JetStream's sense all the same: an ephemeral one has a single
      // replica, and in a cluster it would die with its server.
      ...(o.durable ? {} : { inactive_threshold: nanos(60_000) }),
    })
  }

  /**
   * Starts this set's consumer of `subject` again right after `floor`, its last acknowledged message: what
   * it had delivered and not had acknowledged comes again at once, not after the acknowledgement wait.
   */
  async function startAfter(stream: string, subject: string, floor: number): Promise<void> {
    await o.jsm.consumers.delete(stream, nameOf(subject)).catch(notFound)
    await create(stream, subject, floor + 1)
  }

  async function ensure(stream: string, subject: string, from?: number): Promise<string> {
    const name = nameOf(subject)
    const existing = o.durable
      ? await o.jsm.consumers.info(stream, name).catch(() => undefined)
      : undefined
    if (existing === undefined) await create(stream, subject, from)
    // Messages delivered to the last run and never acknowledged (a crash).
    else if (existing.num_ack_pending > 0)
      await startAfter(stream, subject, existing.ack_floor.stream_seq)
    return name
  }

  /** Reads `name` and hands each message on in turn, remembering what was taken in `memory`. */
  async function read(
    stream: string,
    name: string,
    memory: DuplicateMemory,
    retry: RetryOptions,
  ): Promise<Reader> {
    const consumer = await retryNats(() => o.js.consumers.get(stream, name), retry)
    // Pull requests expire every 2 s (heartbeats every second): a consumer whose leader moved to another
    // server in a cluster is asked again within seconds, not after the default 30 s.
    const messages = await consumer.consume({
      max_messages: Math.min(o.maxAckPending, 256),
      expires: 2000,
    })
    let unsettled = 0
    let allSettled: (() => void) | undefined
    const settled = (): void => {
      if (--unsettled === 0) allSettled?.()
    }
    const pump = async (): Promise<void> => {
      try {
        for await (const m of messages) {
          unsettled++
          await deliver(m, memory, settled)
        }
      } catch (err) {
        o.onError(err)
      }
      if (unsettled === 0) return
      await new Promise<void>((resolve) => {
        allSettled = resolve
        setTimeout(resolve, 2000).unref()
      })
    }
    return { messages, drained: pump() }
  }

  /**
   * Starts `r` again right after its last acknowledged message if the server holds messages as delivered
   * to it and not acknowledged. It first stops reading and hands on what it had received, so that the
   * acknowledgement floor is as far on as this client got.
   */
  async function restart(subject: string, r: Running): Promise<void> {
    const gone = (): boolean => closed || running.get(subject) !== r
    const before = await retryNats(() => o.jsm.consumers.info(r.stream, r.name), {
      stopped: gone,
      deadlineMs: 30_000,
    })
    if (before.num_ack_pending === 0 || gone()) return
    r.reader.messages.stop()
    await r.reader.drained
    // Nothing reads the filter now: asked until it is read again, or removed.
    const retry = { stopped: gone }
    if (gone()) return
    const info = await retryNats(() => o.jsm.consumers.info(r.stream, r.name), retry)
    await retryNats(() => startAfter(r.stream, subject, info.ack_floor.stream_seq), retry)
    const reader = await read(r.stream, r.name, r.memory, retry)
    if (!gone()) {
      r.reader = reader
      return
    }
    // Removed or closed meanwhile, after its consumer was deleted: delete the new one too, unless a
    // persistent session closes (it resumes there).
    reader.messages.stop()
    if (!closed || forgetting) await o.jsm.consumers.delete(r.stream, r.name).catch(() => false)
  }

  return {
    async add(stream, subject) {
      if (running.has(subject)) return
      // A cluster may have no leader for the stream for a moment: ask again for up to 30 s.
      const retry = { stopped: () => closed, deadlineMs: 30_000 }
      // The start is found once, so every attempt asks for the same consumer. A create whose answer was
      // lost (a timeout while a cluster elects) may have made it; asked again with a later start,
      // JetStream refuses ("start sequence can not be updated") until the deadline and the filter is never
      // read: the survivor of a kill missed the killed instance's sensors (windowing's NATS test).
      const from = await retryNats(() => takeoverStart(stream, subject), retry)
      const name = await retryNats(() => ensure(stream, subject, from), retry)
      const memory = createDuplicateMemory()
      running.set(subject, {
        stream,
        name,
        memory,
        reader: await read(stream, name, memory, retry),
      })
    },
    async resume() {
      await Promise.all(
        [...running].map(([subject, r]) => {
          if (r.restarting !== undefined) {
            r.again = true
            return r.restarting
          }
          r.restarting = (async () => {
            do {
              r.again = false
              await restart(subject, r)
            } while (r.again)
          })()
            .catch(o.onError)
            .finally(() => (r.restarting = undefined))
          return r.restarting
        }),
      )
    },
    async remove(subject) {
      const r = running.get(subject)
      if (r === undefined) return
      running.delete(subject)
      r.reader.messages.stop()
      await o.jsm.consumers.delete(r.stream, r.name).catch(() => false)
    },
    has: (subject) => running.has(subject),
    subjects: () => running.keys(),
    async close(forget) {
      closed = true
      forgetting = forget
      const all = [...running.values()]
      running.clear()
      for (const r of all) r.reader.messages.stop()
      if (forget) {
        await Promise.all(
          all.map((r) => o.jsm.consumers.delete(r.stream, r.name).catch(() => false)),
        )
      }
    },
  }
}
