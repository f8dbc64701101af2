/**
 * @module window-publisher
 * How the windowing service sends its aggregates (issue 16, adaptive batching at every outbound hop): the
 * aggregates of one topic that one batch of samples closes go out together, and those that come while the
 * outbound hop is busy linger in the mesh's `createLinger` until it is free, full or due. One aggregate is
 * sent as a `sluice.v1.window` object, several as a `sluice.v1.window-batch` array (`decodeWindows` reads
 * both). In a persistent session's `handled` mode each message is published with confirmation and the raw
 * batch is acknowledged after it, so those never linger.
 */
import { encodeText, type WindowAggregate } from '@sluice/contract'
import {
  createLinger,
  inBatches,
  type HandleBatch,
  type LingerFlush,
  type LingerOptions,
  type OutboundHop,
} from '@sluice/mesh'

/** Collects the aggregates of one push and sends them. */
export interface WindowPublisher {
  /** Takes one aggregate for `topic`; it is sent by the next {@link WindowPublisher.send}. */
  collect(topic: string, agg: WindowAggregate): void
  /**
   * Sends what was collected, a message per topic: confirmed, with the raw batch acknowledged after it,
   * when `batch` is confirming; otherwise through the linger.
   */
  send(batch?: HandleBatch): void
  /** Sends what was collected and every lingering aggregate now (at shutdown), and stops the linger's timer. */
  close(): void
}

const payloadOf = (aggs: WindowAggregate[]): string =>
  aggs.length === 1 ? encodeText(aggs[0]!) : encodeText(aggs)

/** The latest ingest time among the aggregates: the message's latency is measured from it. */
function ingestOf(aggs: readonly WindowAggregate[]): number {
  let ingest = aggs[0]!.ingestMax
  for (const a of aggs) if (a.ingestMax > ingest) ingest = a.ingestMax
  return ingest
}

/**
 * Creates the aggregates' publisher in front of the `windows` hop.
 *
 * @example
 * ```ts
 * const pub = createWindowPublisher(out, { maxSamples: 100, maxDelayMs: 50 })
 * windows.push(key, samples) // its emit callback calls pub.collect(topic, agg)
 * pub.send(batch)
 * ```
 */
export function createWindowPublisher(
  out: OutboundHop,
  options: LingerOptions,
  now: () => number = Date.now,
): WindowPublisher {
  const collected = new Map<string, WindowAggregate[]>()
  const publish = (f: LingerFlush<WindowAggregate>): void => {
    out.publish(f.key, payloadOf(f.samples), f.samples.length, { ingest: ingestOf(f.samples) })
  }
  const linger = createLinger<WindowAggregate>(options, { link: out, send: publish, now })

  const confirmed = (batch: HandleBatch, topic: string, aggs: WindowAggregate[]): void => {
    for (const part of inBatches(aggs, options.maxSamples)) {
      const ingest = ingestOf(part)
      batch.ackAfter(out.publishConfirmed(topic, payloadOf(part), part.length, { ingest }))
    }
  }

  function send(batch?: HandleBatch): void {
    if (collected.size === 0) return
    const confirming = batch?.confirming === true
    // Whatever lingers (from the idle timer) goes before what a confirming batch sends: order first.
    if (confirming) linger.flush()
    const at = now()
    for (const [topic, aggs] of collected) {
      if (confirming) confirmed(batch, topic, aggs)
      else linger.addAll(topic, aggs, at)
    }
    collected.clear()
  }

  return {
    collect(topic, agg) {
      const list = collected.get(topic)
      if (list === undefined) collected.set(topic, [agg])
      else list.push(agg)
    },
    send,
    close() {
      send()
      linger.flush()
      linger.close()
    },
  }
}
