/**
 * @module publish/raw-publisher
 * The bridge's end of the data path: stamped samples in, raw messages out on
 * `{p}/{device}/{channel}/raw` (DESIGN.md §3, §4), through the mesh's adaptive batching (`createLinger`:
 * a sample that finds the hop free goes out at once, batches form only while it is busy) and into the
 * outbound hop, whose bounded queue and policy are where backpressure shows. A batch of one goes out as a
 * raw sample object, anything larger as a raw batch. When the hop refuses a message (policy `block`, queue full) the bridge
 * cannot stall a serial device, so the samples are dropped at the edge and counted (§5); sources that
 * can wait (the simulator, replay) look at {@link RawPublisher.congestion} and slow down instead.
 *
 * Every drop of a sensor's samples (at the edge, or a message its hop evicted or failed to send) is
 * carried in the `dropped` field of that sensor's next message, so consumers count those sequence gaps
 * as explained (issue 11, item 10): their unexplained loss is then what nobody counted.
 */
import { epochMs, encodeText, rawTopic, toRawBatch } from '@sluice/contract'
import { createLinger, type LingerFlush, type LingerLink, type LingerOptions } from '@sluice/mesh'
import type { Sample } from '@sluice/stream'

/** The part of the mesh's outbound hop the publisher uses. */
export interface RawHop extends LingerLink {
  publish(
    topic: string,
    payload: string | Uint8Array,
    samples?: number,
    options?: { ingest?: number; onDropped?: (samples: number) => void },
  ): boolean
  readonly length: number
  readonly spec: { readonly queue: { readonly capacity: number } }
}

/** Options of {@link createRawPublisher}. */
export interface RawPublisherOptions {
  readonly hop: RawHop
  readonly prefix: string
  readonly batch: LingerOptions
  /** Clock in ms (default `epochMs()` from the contract). */
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
  /** Counts `n` samples of one channel dropped before the publisher (e.g. at the edge gate). */
  countDropped(device: string, channel: string, n: number): void
  /** Sends every pending batch now (at shutdown). */
  flushAll(): void
  /** How full the hop's queue is, 0…1. */
  congestion(): number
  /** Samples the hop's queue still takes before it is full, less those waiting in batches for it. */
  room(): number
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
  const now = options.now ?? epochMs
  const topics = new Map<string, string>()
  /** Per sensor key: samples dropped since its last message, told to consumers in the next one. */
  const droppedSince = new Map<string, number>()
  const addDropped = (key: string, n: number): void => {
    droppedSince.set(key, (droppedSince.get(key) ?? 0) + n)
  }
  // One callback per sensor, made once, so the hop can say which sensor a dropped message was of.
  const onDropped = new Map<string, (n: number) => void>()
  let samples = 0
  let messages = 0
  let droppedAtEdge = 0

  const send = (f: LingerFlush<Sample>): void => {
    const topic = topics.get(f.key)!
    const n = f.samples.length
    const dropped = droppedSince.get(f.key)
    if (dropped !== undefined) droppedSince.delete(f.key)
    const extra = dropped === undefined ? {} : { dropped }
    const payload =
      n === 1
        ? encodeText({ ...f.samples[0]!, ...extra })
        : encodeText({ ...toRawBatch(f.samples), ...extra })
    let ingest = f.samples[0]!.ingest
    for (const s of f.samples) if (s.ingest > ingest) ingest = s.ingest
    // If the hop drops this message later, its samples and the count it carried go to the next one.
    const lost =
      dropped === undefined
        ? onDropped.get(f.key)
        : (k: number) => {
            addDropped(f.key, k + dropped)
          }
    if (hop.publish(topic, payload, n, { ingest, onDropped: lost })) messages++
    else {
      droppedAtEdge += n
      // This message's own count is lost with it: carry it, and its samples, to the next one.
      addDropped(f.key, n + (dropped ?? 0))
    }
  }

  const register = (device: string, channel: string): string => {
    const key = `${device}/${channel}`
    if (!topics.has(key)) {
      topics.set(key, rawTopic(prefix, device, channel))
      onDropped.set(key, (k) => addDropped(key, k))
    }
    return key
  }

  const linger = createLinger<Sample>(options.batch, { link: hop, send, now })

  return {
    push(device, channel, sample) {
      const key = register(device, channel)
      samples++
      // The source stamped `ingest` with this clock as it read the sample: no second reading per sample.
      linger.add(key, sample, sample.ingest)
    },
    countDropped(device, channel, n) {
      if (n > 0) addDropped(register(device, channel), n)
    },
    flushAll() {
      linger.flush()
    },
    congestion() {
      return hop.length / hop.spec.queue.capacity
    },
    room() {
      return Math.max(0, hop.spec.queue.capacity - hop.length - linger.pending)
    },
    stats() {
      return { samples, messages, droppedAtEdge, pending: linger.pending }
    },
    close() {
      linger.close()
    },
  }
}
