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
 *
 * This file composes the parts in `sink-hop/`: the intake (encode and spool), the sender loop (batch,
 * rate-limit, send, retry), the waiter they share, and the metrics.
 */
import type { HopMetrics } from '@sluice/contract'
import type { MeshLogger } from '@sluice/mesh'
import { createHopMeter, createTokenBucket } from '@sluice/stream'
import { createSinkIntake } from './sink-hop/intake.js'
import { sinkHopMetrics } from './sink-hop/metrics.js'
import { runSender, type SenderDeps } from './sink-hop/sender.js'
import { createWaiter } from './sink-hop/waiter.js'
import { openSpool, type Spool, type SpoolOptions } from './spool/spool.js'
import type { ForwardItem, Sink } from './sinks/sink.js'

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
  /** Encodes and spools items, with one write to the spool (synchronous: local disk only). */
  offer(items: readonly ForwardItem[]): void
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

/** Creates a sink hop around `sink`: its spool, intake, sender loop and metrics. */
export function createSinkHop(sink: Sink, o: SinkHopOptions): SinkHop & { counters: SinkCounters } {
  const now = o.now ?? Date.now
  const spool = openSpool({
    dir: o.spoolDir,
    maxBytes: o.spoolMaxBytes,
    ...(o.spoolFs === undefined ? {} : { fs: o.spoolFs }),
  })
  const meter = createHopMeter({ now: now() })
  const counters: SinkCounters = { sent: 0, retries: 0, failures: 0, refused: false }
  const waiter = createWaiter()
  const intake = createSinkIntake({ sink, spool, meter, waiter, options: o, now })
  let running = false
  let loop: Promise<void> | undefined
  let flushing = 0
  let closed = false
  const initial = spool.stats()
  if (initial.pending > 0)
    o.log.info(
      { sink: sink.name, pending: initial.pending, tornTails: initial.tornTails },
      'replaying the spool',
    )
  const sender: SenderDeps = {
    sink,
    spool,
    meter,
    bucket:
      o.ratePerSecond > 0
        ? createTokenBucket({ ratePerSecond: o.ratePerSecond, burst: o.burst }, now())
        : undefined,
    waiter,
    counters,
    options: o,
    now,
    random: o.random ?? Math.random,
    running: () => running,
    closed: () => closed,
    flushing: () => flushing > 0,
  }

  return {
    name: sink.name,
    spool,
    counters,
    offer: intake.offer,
    start() {
      if (running) return
      running = true
      loop = runSender(sender)
    },
    async stop() {
      running = false
      waiter.wake()
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
          if (waiter.waiting === 'idle' || waiter.waiting === 'linger') waiter.wake()
          await new Promise((r) => setTimeout(r, 20))
        }
      } finally {
        flushing--
      }
      return spool.stats().pending === 0
    },
    metrics: () =>
      sinkHopMetrics({
        sink,
        meter,
        stats: spool.stats(),
        now: now(),
        spoolMaxBytes: o.spoolMaxBytes,
        avgRecordBytes: intake.avgRecordBytes,
        arrived: intake.arrived,
        rejected: intake.rejected,
        spoolFailed: intake.spoolFailed,
        spoolRefusal: intake.spoolRefusal,
        counters,
      }),
  }
}
