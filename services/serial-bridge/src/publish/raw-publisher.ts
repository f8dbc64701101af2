/**
 * @module publish/raw-publisher
 * The bridge's end of the data path: stamped samples in, raw messages out on
 * `{p}/{device}/{channel}/raw` (DESIGN.md §3, §4), through the batcher and into the outbound hop, whose
 * bounded queue and policy are where backpressure shows. The batcher lingers only while the hop is busy
 * (a message published now would wait in its queue): a sample that finds the hop free goes out at once,
 * and what gathered while it was busy goes out as soon as it can be sent. A batch of one goes out as a raw sample object,
 * anything larger as a raw batch. When the hop refuses a message (policy `block`, queue full) the bridge
 * cannot stall a serial device, so the samples are dropped at the edge and counted (§5); sources that
 * can wait (the simulator, replay) look at {@link RawPublisher.congestion} and slow down instead.
 */
import { encodeText, rawTopic, toRawBatch } from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import { createBatcher, type BatcherOptions, type Flush } from './batcher.js'

/** The part of the mesh's outbound hop the publisher uses. */
export interface RawHop {
  publish(
    topic: string,
    payload: string | Uint8Array,
    samples?: number,
    options?: { ingest?: number },
  ): boolean
  readonly length: number
  readonly spec: { readonly queue: { readonly capacity: number } }
  /** True while a message published now would have to wait (see the mesh's `OutboundHop.busy`). */
  readonly busy: boolean
  /** Resolves once the hop is no longer busy. */
  sendable(): Promise<void>
}

/** Options of {@link createRawPublisher}. */
export interface RawPublisherOptions {
  readonly hop: RawHop
  readonly prefix: string
  readonly batch: BatcherOptions
  /** Clock in ms (default `performance.timeOrigin + performance.now()`). */
  readonly now?: () => number
}

/** Counters of a publisher. */
export interface RawPublisherStats {
  /** Samples pushed in. */
  readonly samples: number
  /** Messages handed to the hop. */
  readonly messages: number
  /** Samples the hop refused (full under `block`): dropped at the edge. */
  readonly droppedAtEdge: number
  /** Samples waiting in batches. */
  readonly pending: number
}

/** Publishes stamped samples as raw messages. */
export interface RawPublisher {
  /**
   * Adds one sample of one channel; it goes out alone (the hop is free), with a full batch, when the hop
   * can send again, or at the batch deadline.
   */
  push(device: string, channel: string, sample: Sample): void
  /** Sends every pending batch now (at shutdown). */
  flushAll(): void
  /** How full the hop's queue is, 0…1. */
  congestion(): number
  stats(): RawPublisherStats
  /** Stops the deadline timer (call {@link flushAll} first to keep what is pending). */
  close(): void
}

/**
 * Creates a raw publisher.
 *
 * @example
 * ```ts
 * const out = ctx.outbound({ name: 'raw', qos: 1, queue: { capacity: 10_000, policy: 'drop-oldest' } })
 * const publisher = createRawPublisher({ hop: out, prefix: ctx.prefix, batch: { maxSamples: 100, maxDelayMs: 50 } })
 * publisher.push('bench', 'light', { seq: 17, t, value: 450, ingest: t })
 * ```
 */
export function createRawPublisher(options: RawPublisherOptions): RawPublisher {
  const { hop, prefix } = options
  const now = options.now ?? (() => performance.timeOrigin + performance.now())
  const batcher = createBatcher(options.batch)
  const topics = new Map<string, string>()
  let timer: NodeJS.Timeout | undefined
  let armedFor = Infinity
  let samples = 0
  let messages = 0
  let droppedAtEdge = 0
  let closed = false
  let awaitingSendable = false

  const send = (f: Flush): void => {
    const topic = topics.get(f.key)!
    const n = f.samples.length
    const payload = n === 1 ? encodeText(f.samples[0]!) : encodeText(toRawBatch(f.samples))
    let ingest = f.samples[0]!.ingest
    for (const s of f.samples) if (s.ingest > ingest) ingest = s.ingest
    if (hop.publish(topic, payload, n, { ingest })) messages++
    else droppedAtEdge += n
  }

  const onTimer = (): void => {
    timer = undefined
    armedFor = Infinity
    for (const f of batcher.due(now())) send(f)
    arm()
  }

  const sendWhenSendable = (): void => {
    if (awaitingSendable || batcher.pending === 0) return
    awaitingSendable = true
    void hop.sendable().then(() => {
      awaitingSendable = false
      if (!closed) for (const f of batcher.drain()) send(f)
    })
  }

  const arm = (): void => {
    if (closed) return
    const next = batcher.nextDeadline()
    if (next === undefined || next >= armedFor) return
    if (timer) clearTimeout(timer)
    armedFor = next
    timer = setTimeout(onTimer, Math.max(0, next - now()))
  }

  return {
    push(device, channel, sample) {
      const key = `${device}/${channel}`
      if (!topics.has(key)) topics.set(key, rawTopic(prefix, device, channel))
      samples++
      const f = batcher.add(key, sample, now(), hop.busy)
      if (f) send(f)
      sendWhenSendable()
      // A new batch's deadline (now + maxDelayMs) is never earlier than one already armed, and the timer
      // re-arms itself when it fires: so only look for the next deadline (a scan of every sensor) when no
      // timer is armed, not once per sample.
      if (timer === undefined) arm()
    },
    flushAll() {
      for (const f of batcher.drain()) send(f)
    },
    congestion() {
      return hop.length / hop.spec.queue.capacity
    },
    stats() {
      return { samples, messages, droppedAtEdge, pending: batcher.pending }
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
