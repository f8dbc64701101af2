/**
 * @module sink-hop/sender
 * The sender loop of a sink hop (DESIGN.md §9): drains the spool in order, in batches (size, or
 * `lingerMs` after the oldest record), through the token bucket, and retries on exponential backoff with
 * jitter (honouring `Retry-After`). A record leaves the spool only once the sink has acknowledged it.
 */
import { backoffDelay, type HopMeter, type TokenBucket } from '@sluice/stream'
import type { SinkCounters, SinkHopOptions } from '../sink-hop.js'
import type { Spool, SpoolBatch, SpoolStats } from '../spool/spool.js'
import { SinkSendError, type Sink } from '../sinks/sink.js'
import type { Waiter } from './waiter.js'

/** What the sender needs, and the hop's state it reads. */
export interface SenderDeps {
  readonly sink: Sink
  readonly spool: Spool
  readonly meter: HopMeter
  readonly bucket: TokenBucket | undefined
  readonly waiter: Waiter
  readonly counters: SinkCounters
  readonly options: SinkHopOptions
  readonly now: () => number
  readonly random: () => number
  /** Whether the loop should go on. */
  readonly running: () => boolean
  /** Whether the hop was stopped (its spool closed) while a send hung. */
  readonly closed: () => boolean
  /** Whether someone is flushing: then a partial batch goes out without lingering. */
  readonly flushing: () => boolean
}

/**
 * Reads a batch from the spool. A local disk error (a segment removed by hand, an I/O error) is said
 * once, shown as `critical` and retried every retryMaxMs: thrown out of the sender loop it would be an
 * unhandled rejection, which ends the process.
 */
function readSpool(d: SenderDeps, max: number): SpoolBatch | undefined {
  const { counters, sink, options: o } = d
  try {
    return d.spool.read(max)
  } catch (err) {
    counters.failures++
    const message = `cannot read the spool in ${o.spoolDir}: ${err instanceof Error ? err.message : String(err)}`
    if (counters.lastError !== message)
      o.log.error(
        { sink: sink.name, err },
        `${sink.name}: ${message}. Retrying every ${o.retryMaxMs} ms; check the disk, and that nothing else removes files there (restarting the forwarder re-reads the spool and skips what is gone).`,
      )
    counters.lastError = message
    counters.refused = true
    return undefined
  }
}

/**
 * The next batch to send, or undefined after waiting (idle, lingering for a full batch, for tokens, or
 * out after a spool read error): the caller then looks again.
 */
async function nextBatch(d: SenderDeps, st: SpoolStats): Promise<SpoolBatch | undefined> {
  const { options: o, waiter, now, bucket } = d
  if (st.pending === 0) {
    await waiter.sleep(60_000, 'idle')
    return undefined
  }
  if (st.oldestAppendedAt === undefined) {
    // Pending but nothing on disk: only records of a failed batch, evicted during its send. Reading
    // settles them as evicted.
    d.spool.read(0)
    return undefined
  }
  // Linger: wait for a full batch, but never hold the oldest record longer than lingerMs.
  const age = now() - st.oldestAppendedAt
  if (!d.flushing() && st.pending < o.batchSize && age < o.lingerMs) {
    await waiter.sleep(o.lingerMs - age, 'linger')
    return undefined
  }
  let want = Math.min(o.batchSize, st.pending)
  if (bucket) {
    // Wait for a whole batch's worth of tokens (up to the burst), so a rate-limited sink gets full
    // batches rather than a stream of one-point requests.
    const wait = bucket.waitFor(Math.min(want, o.burst), now())
    if (wait > 0) {
      await waiter.sleep(wait, 'rate')
      return undefined
    }
    want = bucket.take(want, now())
  }
  const batch = readSpool(d, want)
  if (batch === undefined) {
    await waiter.sleep(o.retryMaxMs, 'backoff')
    return undefined
  }
  // Only records of a failed batch that were evicted meanwhile were pending: nothing left to send.
  return batch.records.length === 0 ? undefined : batch
}

/** The sink has `batch`: it leaves the spool, and the meter learns its wait and service times. */
function acknowledge(d: SenderDeps, batch: SpoolBatch, started: number, attempt: number): void {
  const { counters, meter, spool } = d
  spool.ack(batch.next)
  const done = d.now()
  const n = batch.records.length
  counters.sent += n
  const meanWait = batch.appendedAt.reduce((a, t) => a + (started - t), 0) / Math.max(n, 1)
  meter.serve(done, n, meanWait, done - started)
  for (const t of batch.appendedAt) meter.recordLatency(done - t)
  meter.observeLength(done, spool.stats().pending)
  if (attempt > 0)
    d.options.log.info({ sink: d.sink.name, after: attempt }, 'sink is back; replaying the spool')
  counters.lastError = undefined
  counters.refused = false
}

/** A send failed (the `attempt`th in a row): counts and says it, and returns how long to back off. */
function sendFailed(d: SenderDeps, err: unknown, attempt: number, pending: number): number {
  const { counters, sink, options: o } = d
  counters.failures++
  const e = err instanceof SinkSendError ? err : undefined
  const message = err instanceof Error ? err.message : String(err)
  // Tokens taken for a batch that did not go out are not given back: the limit stays a hard ceiling.
  if (e !== undefined && !e.retryable) {
    if (counters.lastError !== message)
      o.log.error(
        { sink: sink.name, status: e.status, pending },
        `${sink.name}: ${message} — retrying cannot fix this; the data is kept in the spool and will be sent once the sink accepts it (check the sink's URL, credentials and database).`,
      )
    counters.lastError = message
    counters.refused = true
    return o.retryMaxMs
  }
  counters.retries++
  counters.refused = false
  const delay = Math.max(
    e?.retryAfterMs ?? 0,
    backoffDelay(attempt, { baseMs: o.retryBaseMs, maxMs: o.retryMaxMs }, d.random),
  )
  if (counters.lastError !== message || attempt % 10 === 0)
    o.log.warn(
      { sink: sink.name, attempt, delayMs: delay, pending },
      `${sink.name}: ${message}; retrying`,
    )
  counters.lastError = message
  return delay
}

/** Runs the sender until `running()` turns false (or the hop is closed during a send). */
export async function runSender(d: SenderDeps): Promise<void> {
  let attempt = 0
  while (d.running()) {
    const st = d.spool.stats()
    const batch = await nextBatch(d, st)
    if (batch === undefined) continue
    const started = d.now()
    try {
      await d.sink.send(batch.records.map((r) => r.toString('utf8')))
      // Stopped while this send hung: the spool is closed, and the batch is replayed at the next start.
      if (d.closed()) return
      acknowledge(d, batch, started, attempt)
      attempt = 0
    } catch (err) {
      if (d.closed()) return
      attempt++
      await d.waiter.sleep(sendFailed(d, err, attempt, st.pending), 'backoff')
    }
  }
}
