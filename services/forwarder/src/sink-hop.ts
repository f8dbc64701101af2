/**
 * @module sink-hop
 * A sink's outbound hop (DESIGN.md §9): items are encoded and appended to the sink's disk spool at once —
 * the data path never waits for the network — and a sender loop drains the spool in order, in batches
 * (size, or `lingerMs` after the oldest record), through a token bucket (points/s and burst), with retries
 * on exponential backoff with jitter (honouring `Retry-After`). A record leaves the spool only once the
 * sink has acknowledged it, so a crash or an outage replays it: at least once, idempotent where the sink
 * allows (InfluxDB overwrites a point with the same series and timestamp).
 *
 * A local disk that refuses the spool (full, read-only) is the one place the forwarder loses data: the
 * records that cannot be spooled are counted (`dropped.spool-failed`), the hop is `critical` and says why
 * (`SLUICE_ERR_FORWARD_SPOOL_FULL`), once when it starts and once when it heals, which it does by itself
 * at the first append that succeeds.
 */
import { toHopMetrics, type HopMetrics } from '@sluice/contract'
import type { MeshLogger } from '@sluice/mesh'
import { backoffDelay, createHopMeter, createTokenBucket, type TokenBucket } from '@sluice/stream'
import { openSpool, type Spool, type SpoolBatch, type SpoolOptions } from './spool/spool.js'
import { SpoolWriteError } from './errors.js'
import { SinkSendError, type ForwardItem, type Sink } from './sinks/sink.js'

/** Per-sink delivery settings. */
export interface SinkHopOptions {
  readonly spoolDir: string
  readonly spoolMaxBytes: number
  readonly batchSize: number
  readonly lingerMs: number
  /** Points per second; 0 = unlimited. */
  readonly ratePerSecond: number
  readonly burst: number
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  readonly log: MeshLogger
  /** The spool's file operations (default `node:fs`; tests inject a failing disk). */
  readonly spoolFs?: SpoolOptions['fs']
  /** Longest wait at `stop()` for a send in flight (default 2000 ms); its batch is replayed next time. */
  readonly stopTimeoutMs?: number
  readonly now?: () => number
  readonly random?: () => number
}

/** A running sink hop. */
export interface SinkHop {
  readonly name: string
  /** Encodes and spools one item (synchronous: local disk only). */
  offer(item: ForwardItem): void
  /** Starts the sender loop. */
  start(): void
  /** Stops the sender after its current send; what is not sent stays in the spool for next time. */
  stop(): Promise<void>
  /** Resolves when the spool is empty or `timeoutMs` passed; true when empty. */
  flush(timeoutMs: number): Promise<boolean>
  metrics(): HopMetrics
  readonly spool: Spool
}

/** Extra per-sink figures published next to the hop metrics. */
export interface SinkCounters {
  sent: number
  retries: number
  failures: number
  lastError?: string
  /** True while the sink refuses the data in a way retrying cannot fix (bad credentials, a 4xx). */
  refused: boolean
}

/** Creates a sink hop around `sink`. */
export function createSinkHop(sink: Sink, o: SinkHopOptions): SinkHop & { counters: SinkCounters } {
  const now = o.now ?? Date.now
  const random = o.random ?? Math.random
  const spool = openSpool({
    dir: o.spoolDir,
    maxBytes: o.spoolMaxBytes,
    ...(o.spoolFs === undefined ? {} : { fs: o.spoolFs }),
  })
  const bucket: TokenBucket | undefined =
    o.ratePerSecond > 0
      ? createTokenBucket({ ratePerSecond: o.ratePerSecond, burst: o.burst }, now())
      : undefined
  const meter = createHopMeter({ now: now() })
  const counters: SinkCounters = { sent: 0, retries: 0, failures: 0, refused: false }
  let arrived = 0
  let rejected = 0
  let spoolFailed = 0
  /** Why the disk refuses the spool, while it does; and `spoolFailed` when it started to. */
  let spoolRefusal: { message: string; failedBefore: number } | undefined
  let running = false
  /** Why the sender sleeps: an arrival may cut short an idle or linger wait, never a backoff. */
  let waiting: 'idle' | 'linger' | 'rate' | 'backoff' | undefined
  let wake: (() => void) | undefined
  let loop: Promise<void> | undefined
  let flushing = 0
  let closed = false
  let avgRecordBytes = 100
  const initial = spool.stats()
  if (initial.pending > 0)
    o.log.info(
      { sink: sink.name, pending: initial.pending, tornTails: initial.tornTails },
      'replaying the spool',
    )

  const sleep = (ms: number, why: NonNullable<typeof waiting>): Promise<void> =>
    new Promise((resolve) => {
      waiting = why
      const done = (): void => {
        clearTimeout(t)
        wake = undefined
        waiting = undefined
        resolve()
      }
      const t = setTimeout(done, ms)
      wake = done
    })

  /**
   * Reads a batch from the spool. A local disk error (a segment removed by hand, an I/O error) is said
   * once, shown as `critical` and retried every retryMaxMs: thrown out of the sender loop it would be an
   * unhandled rejection, which ends the process.
   */
  const readSpool = (max: number): SpoolBatch | undefined => {
    try {
      return spool.read(max)
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
   * The local disk refused (some of) `count` records: the one place the forwarder loses data, so it is
   * counted (`dropped.spool-failed`) and said loudly, when it starts and then at a sampled rate.
   */
  function refuseSpool(err: unknown, count: number): void {
    const appended = err instanceof SpoolWriteError ? err.appended : 0
    if (appended > 0) meter.arrive(now(), appended)
    spoolFailed += count - appended
    const message = err instanceof Error ? err.message : String(err)
    const code = err instanceof SpoolWriteError ? err.code : undefined
    if (spoolRefusal === undefined || spoolFailed % 1000 < count - appended)
      o.log.error(
        { sink: sink.name, code, err, dropped: spoolFailed, dir: o.spoolDir },
        `${sink.name}: ${message}`,
      )
    spoolRefusal ??= { message, failedBefore: spoolFailed - (count - appended) }
  }

  async function run(): Promise<void> {
    let attempt = 0
    while (running) {
      const st = spool.stats()
      if (st.pending === 0) {
        await sleep(60_000, 'idle')
        continue
      }
      if (st.oldestAppendedAt === undefined) {
        // Pending but nothing on disk: only records of a failed batch, evicted during its send. Reading
        // settles them as evicted.
        spool.read(0)
        continue
      }
      // Linger: wait for a full batch, but never hold the oldest record longer than lingerMs.
      const age = now() - st.oldestAppendedAt
      if (flushing === 0 && st.pending < o.batchSize && age < o.lingerMs) {
        await sleep(o.lingerMs - age, 'linger')
        continue
      }
      let want = Math.min(o.batchSize, st.pending)
      if (bucket) {
        // Wait for a whole batch's worth of tokens (up to the burst), so a rate-limited sink gets full
        // batches rather than a stream of one-point requests.
        const wait = bucket.waitFor(Math.min(want, o.burst), now())
        if (wait > 0) {
          await sleep(wait, 'rate')
          continue
        }
        want = bucket.take(want, now())
      }
      const batch = readSpool(want)
      if (batch === undefined) {
        await sleep(o.retryMaxMs, 'backoff')
        continue
      }
      // Only records of a failed batch that were evicted meanwhile were pending: nothing left to send.
      if (batch.records.length === 0) continue
      const started = now()
      try {
        await sink.send(batch.records.map((r) => r.toString('utf8')))
        // Stopped while this send hung: the spool is closed, and the batch is replayed at the next start.
        if (closed) return
        spool.ack(batch.next)
        const done = now()
        const n = batch.records.length
        counters.sent += n
        const meanWait = batch.appendedAt.reduce((a, t) => a + (started - t), 0) / Math.max(n, 1)
        meter.serve(done, n, meanWait, done - started)
        for (const t of batch.appendedAt) meter.recordLatency(done - t)
        meter.observeLength(done, spool.stats().pending)
        if (attempt > 0)
          o.log.info({ sink: sink.name, after: attempt }, 'sink is back; replaying the spool')
        attempt = 0
        counters.lastError = undefined
        counters.refused = false
      } catch (err) {
        if (closed) return
        attempt++
        counters.failures++
        const e = err instanceof SinkSendError ? err : undefined
        const message = err instanceof Error ? err.message : String(err)
        // Tokens taken for a batch that did not go out are not given back: the limit stays a hard ceiling.
        if (e !== undefined && !e.retryable) {
          if (counters.lastError !== message)
            o.log.error(
              { sink: sink.name, status: e.status, pending: st.pending },
              `${sink.name}: ${message} — retrying cannot fix this; the data is kept in the spool and will be sent once the sink accepts it (check the sink's URL, credentials and database).`,
            )
          counters.lastError = message
          counters.refused = true
          await sleep(o.retryMaxMs, 'backoff')
          continue
        }
        counters.retries++
        counters.refused = false
        const delay = Math.max(
          e?.retryAfterMs ?? 0,
          backoffDelay(attempt, { baseMs: o.retryBaseMs, maxMs: o.retryMaxMs }, random),
        )
        if (counters.lastError !== message || attempt % 10 === 0)
          o.log.warn(
            { sink: sink.name, attempt, delayMs: delay, pending: st.pending },
            `${sink.name}: ${message}; retrying`,
          )
        counters.lastError = message
        await sleep(delay, 'backoff')
      }
    }
  }

  return {
    name: sink.name,
    spool,
    counters,
    offer(item) {
      let records: readonly string[]
      try {
        records = sink.encode(item)
      } catch (err) {
        // A payload the sink cannot encode must not stop the intake (DESIGN.md §4): counted, sampled.
        rejected++
        if (rejected % 1000 === 1)
          o.log.warn(
            { sink: sink.name, topic: item.topic, err, rejected },
            'could not encode an item',
          )
        return
      }
      // Nothing to write for this item (e.g. a status message for InfluxDB): not an error.
      if (records.length === 0) return
      const t = now()
      arrived += records.length
      try {
        spool.append(records, t)
      } catch (err) {
        refuseSpool(err, records.length)
        return
      }
      if (spoolRefusal !== undefined) {
        o.log.info(
          { sink: sink.name, dir: o.spoolDir, dropped: spoolFailed - spoolRefusal.failedBefore },
          `${sink.name}: the spool in ${o.spoolDir} accepts writes again`,
        )
        spoolRefusal = undefined
      }
      avgRecordBytes = avgRecordBytes * 0.9 + (Buffer.byteLength(records[0]!) + 17) * 0.1
      meter.arrive(t, records.length)
      const pending = spool.stats().pending
      meter.observeLength(t, pending)
      // Wake an idle sender (it then lingers), or a lingering one once a batch is full. A sender in
      // backoff or waiting for tokens is left alone: arrivals must not turn an outage into a busy loop.
      if (waiting === 'idle' || (waiting === 'linger' && pending >= o.batchSize)) wake?.()
    },
    start() {
      if (running) return
      running = true
      loop = run()
    },
    async stop() {
      running = false
      wake?.()
      // A send that hangs (a sink that accepts the connection and never answers) must not hold up
      // shutdown beyond stopTimeoutMs: its batch is not acknowledged, so it is replayed at the next start.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        loop,
        new Promise<void>((r) => {
          timer = setTimeout(r, o.stopTimeoutMs ?? 2000)
        }),
      ])
      clearTimeout(timer)
      closed = true
      spool.close()
      await sink.close()
    },
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      flushing++
      try {
        // Cut short a linger wait (send what there is now), but not a backoff: flushing a dead sink
        // must not hammer it.
        while (spool.stats().pending > 0 && Date.now() < deadline) {
          if (waiting === 'idle' || waiting === 'linger') wake?.()
          await new Promise((r) => setTimeout(r, 20))
        }
      } finally {
        flushing--
      }
      return spool.stats().pending === 0
    },
    metrics(): HopMetrics {
      const st = spool.stats()
      const t = now()
      const capacity = Math.max(st.pending, Math.floor(o.spoolMaxBytes / avgRecordBytes))
      const snap = meter.snapshot(t, {
        length: st.pending,
        capacity,
        arrived,
        dropped: st.evicted + spoolFailed + st.corrupt,
      })
      const lastError = spoolRefusal?.message ?? counters.lastError
      return {
        // The spool is the queue: bounded in bytes, it evicts its oldest records (drop-oldest).
        ...toHopMetrics({
          spec: { qos: 1, queue: { policy: 'drop-oldest' } },
          direction: 'out',
          topic: `${sink.type}:${sink.name}`,
          counters: { arrived, queued: st.pending },
          out: counters.sent,
          rejected,
          extraDropped: {
            evicted: st.evicted,
            'spool-failed': spoolFailed,
            'spool-corrupt': st.corrupt,
          },
          capacity,
          snapshot: snap,
        }),
        // A sink that refuses our data, or a disk that refuses the spool, needs a person; a sink that is
        // down for a while is only a warning.
        state:
          (counters.refused && st.pending > 0) || spoolRefusal !== undefined
            ? 'critical'
            : counters.lastError !== undefined && st.pending > 0 && snap.state === 'ok'
              ? 'warning'
              : snap.state,
        sink: {
          spoolBytes: st.bytes,
          spoolMaxBytes: o.spoolMaxBytes,
          oldestAgeMs: st.oldestAppendedAt === undefined ? 0 : Math.max(0, t - st.oldestAppendedAt),
          sendRate: snap.throughput,
          retries: counters.retries,
          failures: counters.failures,
          evicted: st.evicted,
          tornTails: st.tornTails,
          ...(lastError === undefined ? {} : { lastError }),
        },
      }
    },
  }
}
