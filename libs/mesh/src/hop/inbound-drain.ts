/**
 * @module hop/inbound-drain
 * The queue and drain loop of an inbound hop: entries are offered to a bounded queue with the hop's
 * policy, and a loop hands batches of one sensor key at a time to the service's handler, sync or async
 * (DESIGN.md §5). A message whose entries do not fit under `block` (or in `handled` mode) waits, in
 * arrival order, until the loop makes room; meanwhile the transport reads nothing more. Each batch feeds
 * the hop's meter (arrivals, service, wait, latency from `ingest`) and its per-sensor gap tracker (§6).
 */
import {
  createBoundedQueue,
  createHopMeter,
  createSequenceGapTracker,
  type BoundedQueue,
  type HopMeter,
  type SequenceGapTracker,
} from '@sluice/stream'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { AckOutcome } from '../transport/transport.js'
import type { AckLedger, Delivery } from './ack-ledger.js'
import type { InboundDecoder } from './inbound-decode.js'
import { fillBatch, isRun, splitRun, trimRun, type Entry } from './inbound-entry.js'
import type { InboundCounters } from './inbound-counters.js'
import type { HandleBatch, InboundHopSpec } from './inbound-hop.js'
import type { HopQueueSpec } from './hop-spec.js'

/** A message whose entries are offered to the queue, from `index` on, as room allows. */
export interface Pending<T> {
  readonly entries: Entry<T>[]
  index: number
  readonly ack: (outcome?: AckOutcome) => void
  /** `handled` mode: the acknowledgement follows the delivery; `readOn` is called once it is queued. */
  readonly delivery: Delivery | undefined
  readonly readOn: (() => void) | undefined
}

/** The queue and drain loop of one inbound hop. */
export interface InboundDrain<T> {
  readonly queue: BoundedQueue<Entry<T>>
  readonly meter: HopMeter
  readonly gaps: SequenceGapTracker
  /** The sensor keys handed to the handler (bounded), for the `sensors` figure. */
  readonly sensorKeys: ReadonlySet<string>
  /** Forgets a sensor key: its gap tracking starts afresh with its next sample. */
  forgetKey(key: string): void
  /**
   * Resolves true once every sample queued now has been handed on or dropped (the queue is FIFO), or
   * false after `timeoutMs`.
   */
  caughtUp(timeoutMs: number): Promise<boolean>
  /** Offers a message's entries; settles it (acknowledges or reads on) once all are queued. */
  enqueue(p: Pending<T>): void
  /** Starts handing batches to the handler, if it was paused. */
  resume(): void
  /**
   * Resolves true when the queue is empty and no handler runs, or false after `timeoutMs`: what is
   * left then is counted as dropped (`shutdown`, or `left` at the broker in `handled` mode).
   */
  drain(timeoutMs: number): Promise<boolean>
}

/** Most sensor keys remembered for the `sensors` figure. */
const MAX_SENSOR_KEYS = 100_000

/**
 * With a `serviceRate`: a wait for each sample's turn, on a schedule so that the mean rate holds.
 * Without one: `undefined`, no wait.
 */
function createServicePacer(
  serviceRate: number | undefined,
  now: () => number,
): (() => Promise<void>) | undefined {
  if (serviceRate === undefined) return undefined
  let nextServiceAt = 0
  return async () => {
    // The sample waits in the queue while the slowed consumer is busy, where the policy sees it.
    const t = now()
    // Behind by up to 250 ms (or one service time): late timers on a busy machine, caught up on the
    // next samples so the mean rate holds. More: the consumer was idle, and starts afresh.
    if (t - nextServiceAt > Math.max(1000 / serviceRate, 250)) nextServiceAt = t
    const wait = nextServiceAt - t
    if (wait >= 1) await new Promise<void>((resolve) => setTimeout(resolve, wait))
    nextServiceAt += 1000 / serviceRate
  }
}

/** The most samples handed to the handler at once (and so the longest run of entries, `maxRun`). */
export function batchLimitOf(
  spec: Pick<InboundHopSpec<unknown>, 'serviceRate' | 'maxBatch'>,
): number {
  return spec.serviceRate === undefined ? (spec.maxBatch ?? 512) : 1
}

/** Takes the next batch: queued entries of the first one's key, up to `maxBatch` samples. */
function takeBatch<T>(
  queue: BoundedQueue<Entry<T>>,
  maxBatch: number,
): { entries: Entry<T>[]; samples: number } {
  const first = queue.poll()!
  const entries: Entry<T>[] = [first]
  let samples = first.weight
  for (;;) {
    const next = queue.peek()
    if (next === undefined || next.key !== first.key || samples + next.weight > maxBatch) break
    queue.poll()
    entries.push(next)
    samples += next.weight
  }
  return { entries, samples }
}

/** What handling a batch came to: the samples it dropped or lost, and the confirmations it asked for. */
interface Handled {
  readonly lost: number
  readonly confirmations: PromiseLike<unknown>[]
}

/**
 * Hands one batch to the handler; returns the samples it dropped (through `batch.drop`) or lost (it
 * threw, counted as `handler-error`), and the confirmations it asked to wait for. Synchronous when the
 * handler is, so that a synchronous service costs no promise and no microtask per batch; a promise when
 * the handler returns one.
 */
function handleBatch<T>(
  spec: InboundHopSpec<T>,
  ctx: {
    readonly confirming: boolean
    readonly counters: InboundCounters
    readonly warnHandler: (obj: object, msg: string) => void
  },
  key: string,
  batch: T[],
  samples: number,
): Handled | Promise<Handled> {
  const { counters } = ctx
  const confirmations: PromiseLike<unknown>[] = []
  let dropped = 0
  const handle: HandleBatch = {
    confirming: ctx.confirming,
    ackAfter: ctx.confirming ? (p) => void confirmations.push(p) : () => undefined,
    drop: (reason, n) => {
      const counted = Math.min(Math.max(0, Math.floor(n)), samples - dropped)
      dropped += counted
      counters.dropped[reason] += counted
    },
  }
  const failed = (err: unknown): Handled => {
    counters.dropped['handler-error'] += samples - dropped
    ctx.warnHandler(
      { err, hop: spec.name, key, handlerFailed: counters.dropped['handler-error'] },
      'handler failed; its batch is lost',
    )
    return { lost: samples, confirmations }
  }
  let r: void | Promise<void>
  try {
    r = spec.handle(key, batch, handle)
  } catch (err) {
    return failed(err)
  }
  if (r === undefined) return { lost: dropped, confirmations }
  return Promise.resolve(r).then(() => ({ lost: dropped, confirmations }), failed)
}

/**
 * At the drain deadline: counts what is left as dropped (`shutdown`), and leaves the messages of
 * `handled` mode at the broker (`left`), which delivers them again after a restart.
 */
function dropRemaining<T>(
  queue: BoundedQueue<Entry<T>>,
  pending: Pending<T>[],
  counters: InboundCounters,
  ledger: AckLedger,
): void {
  const left = new Set<Delivery>()
  for (;;) {
    const e = queue.poll()
    if (e === undefined) break
    if (e.delivery !== undefined) {
      counters.dropped.left += e.weight
      left.add(e.delivery)
    } else counters.dropped.shutdown += e.weight
  }
  for (const p of pending) {
    for (let i = p.index; i < p.entries.length; i++) {
      const w = p.entries[i]!.weight
      // Never offered to the queue, so not yet counted as taken in.
      counters.takenOutside += w
      if (p.delivery !== undefined) counters.dropped.left += w
      else counters.dropped.shutdown += w
    }
    if (p.delivery !== undefined) left.add(p.delivery)
    else p.ack()
  }
  pending.length = 0
  ledger.leave(left)
}

/**
 * The messages waiting for room (under `block`, or in `handled` mode), in arrival order: while earlier
 * messages wait, a new one waits behind them, and the transport reads nothing more.
 */
function createAdmission<T>(
  queue: BoundedQueue<Entry<T>>,
  meter: HopMeter,
  now: () => number,
  onQueued: () => void,
) {
  const pending: Pending<T>[] = []
  /** Offers entries from `p.index` on; false when the block policy ran out of room. */
  const offerFrom = (p: Pending<T>): boolean => {
    const t = now()
    let accepted = 0
    while (p.index < p.entries.length) {
      const e = p.entries[p.index]!
      // Short of room, the policy decides as if each sample came alone (splitRun).
      const parts = e.weight > queue.free && isRun(e) ? splitRun(e, queue) : undefined
      if (parts !== undefined) {
        p.entries.splice(p.index, 1, ...parts)
        if (p.delivery !== undefined) p.delivery.outstanding += parts.length - 1
        continue
      }
      const r = queue.offer(e, e.weight)
      if (!r.accepted && r.reason === 'full') break
      accepted += e.weight
      p.index++
    }
    if (accepted > 0) {
      meter.arrive(t, accepted)
      meter.observeLength(t, queue.length)
      onQueued()
    }
    return p.index === p.entries.length
  }
  /** Settles a message once all its entries are queued. */
  const settle = (p: Pending<T>): void => {
    // In `handled` mode the acknowledgement follows the delivery; only reading resumes now.
    if (p.readOn !== undefined) p.readOn()
    else p.ack()
  }
  return {
    pending,
    /** Queues a message's entries, or keeps it waiting (false). */
    admit(p: Pending<T>): boolean {
      if (pending.length === 0 && offerFrom(p)) {
        settle(p)
        return true
      }
      pending.push(p)
      return false
    },
    /** Queues waiting messages, in order, as far as there is room. */
    release(): void {
      while (pending.length > 0) {
        const p = pending[0]!
        if (!offerFrom(p)) return
        pending.shift()
        settle(p)
      }
    },
  }
}

/** Feeds the gap tracker and the `sensors` figure with a batch about to be handled. */
function observeBatch<T>(
  key: string,
  batch: readonly T[],
  into: {
    readonly decoder: InboundDecoder<T>
    readonly gaps: SequenceGapTracker
    readonly counters: InboundCounters
    readonly sensorKeys: Set<string>
  },
): void {
  for (const item of batch) {
    const seq = into.decoder.seqOf(item)
    if (seq !== undefined) into.gaps.observe(key, seq)
    else if ((item as { unsequenced?: unknown }).unsequenced === true) into.counters.unsequenced++
  }
  if (into.sensorKeys.size < MAX_SENSOR_KEYS) into.sensorKeys.add(key)
}

/**
 * Resolves true once the queue has handed on or dropped as many samples as had arrived when called, and
 * no batch is in flight; false after `timeoutMs`.
 */
async function waitCaughtUp<T>(
  queue: BoundedQueue<Entry<T>>,
  counters: InboundCounters,
  now: () => number,
  timeoutMs: number,
): Promise<boolean> {
  const target = queue.counters().arrived
  const deadline = now() + timeoutMs
  const passed = (): boolean => {
    const c = queue.counters()
    return c.delivered + c.droppedTotal >= target && counters.inFlight === 0
  }
  while (!passed()) {
    if (now() >= deadline) return false
    await new Promise<void>((resolve) => setTimeout(resolve, 5))
  }
  return true
}

/** Those waiting for the drain loop to go idle: each is woken once, or given up at its deadline. */
function createIdleWaiters() {
  let waiters: (() => void)[] = []
  return {
    /** Resolves true when woken first, or false after `timeoutMs`, once `onTimeout` has run. */
    wait(timeoutMs: number, onTimeout: () => void): Promise<boolean> {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== onIdle)
          onTimeout()
          resolve(false)
        }, timeoutMs)
        const onIdle = (): void => {
          clearTimeout(timer)
          resolve(true)
        }
        waiters.push(onIdle)
      })
    },
    /** Wakes everyone waiting now. */
    wakeAll(): void {
      const woken = waiters
      waiters = []
      for (const w of woken) w()
    },
  }
}

/** What {@link createInboundDrain} works with: the hop's other parts. */
export interface InboundDrainDeps<T> {
  /** The queue in force (in `handled` mode, `block` whatever the spec says). */
  readonly queue: HopQueueSpec
  readonly decoder: InboundDecoder<T>
  readonly ledger: AckLedger
  readonly counters: InboundCounters
  readonly now: () => number
  readonly log: MeshLogger
  /** Start with the handler paused (see the hop's `resume`). */
  readonly paused: boolean
}

/** Creates the queue and drain loop of one inbound hop. */
export function createInboundDrain<T>(
  spec: InboundHopSpec<T>,
  deps: InboundDrainDeps<T>,
): InboundDrain<T> {
  const { decoder, ledger, counters, now, log } = deps
  const queue = createBoundedQueue<Entry<T>>({ ...deps.queue, trimHead: trimRun })
  const meter = createHopMeter({ now: now() })
  const gaps = createSequenceGapTracker()
  const sensorKeys = new Set<string>()
  const admission = createAdmission(queue, meter, now, () => scheduleDrain())
  const { pending } = admission
  const maxBatch = batchLimitOf(spec)
  const paceService = createServicePacer(spec.serviceRate, now)
  let draining = false
  let paused = deps.paused
  const idleWaiters = createIdleWaiters()
  const warnHandler = createSampledLog(log, 'error', 100)

  function scheduleDrain(): void {
    if (draining || paused) return
    draining = true
    setImmediate(() => {
      drainLoop().catch((err: unknown) => {
        // drainLoop catches handler errors itself; anything here is a bug in the hop.
        log.error({ err, hop: spec.name }, 'drain loop failed')
        draining = false
      })
    })
  }

  /** A batch taken from the queue, with what its accounting needs once it is handled. */
  interface Taken {
    readonly entries: Entry<T>[]
    readonly samples: number
    readonly key: string
    readonly batch: T[]
    readonly t0: number
    readonly waitSum: number
  }

  /** Takes the next batch, makes its items, and feeds the meter, the gap tracker and the admission. */
  function takeNext(): Taken {
    const { entries, samples } = takeBatch(queue, maxBatch)
    const key = entries[0]!.key
    counters.inFlight = samples
    const t0 = now()
    // One pass over the entries for the items and their wait.
    let items = 0
    for (const e of entries) items += e.end - e.from
    const batch = new Array<T>(items)
    let waitSum = 0
    let n = 0
    for (const e of entries) {
      n = fillBatch(e, batch, n)
      waitSum += (t0 - e.at) * e.weight
    }
    meter.observeLength(t0, queue.length)
    admission.release()
    observeBatch(key, batch, { decoder, gaps, counters, sensorKeys })
    return { entries, samples, key, batch, t0, waitSum }
  }

  /** Accounts for a handled batch: acknowledgements, `out`, the meter and the latencies. */
  function settleBatch(b: Taken, { lost, confirmations }: Handled): void {
    const { samples } = b
    ledger.completeBatch(b.entries, samples, confirmations)
    const t1 = now()
    // Each sample is out or dropped, once: the identity in = out + dropped + queued holds.
    counters.out += samples - lost
    counters.inFlight = 0
    meter.serve(t1, samples, b.waitSum / samples, t1 - b.t0)
    for (const item of b.batch) {
      const ingest = decoder.ingestOf(item)
      if (ingest !== undefined) meter.recordLatency(t1 - ingest)
    }
  }

  const handleCtx = { confirming: ledger.handledMode, counters, warnHandler }
  /** Hands a taken batch to the handler and accounts for it: synchronously when the handler is. */
  function handleTaken(b: Taken): Promise<void> | undefined {
    const handled = handleBatch(spec, handleCtx, b.key, b.batch, b.samples)
    if (handled instanceof Promise) return handled.then((h) => settleBatch(b, h))
    settleBatch(b, handled)
    return undefined
  }

  /** Takes, handles and accounts for one batch; a promise only when something had to be waited for. */
  function serveBatch(): Promise<void> | undefined {
    const b = takeNext()
    if (!ledger.handledMode) return handleTaken(b)
    // Confirmations are waited for outside the loop (their PUBACKs come on the socket a waiting
    // message holds), and only up to `maxUnconfirmed` samples ahead, and never while a message waits
    // for room: the transport reads nothing then, so they could not arrive.
    return ledger.waitForRoom(() => pending.length === 0).then(() => handleTaken(b))
  }

  async function drainLoop(): Promise<void> {
    let served = 0
    while (queue.size > 0) {
      if (paceService !== undefined) {
        await paceService()
        if (queue.size === 0) break
      }
      const serving = serveBatch()
      if (serving !== undefined) await serving
      // A synchronous handler would otherwise keep the loop (and the socket) to itself.
      if (++served % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    }
    draining = false
    admission.release()
    if (queue.size === 0 && pending.length === 0) idleWaiters.wakeAll()
  }

  return {
    queue,
    meter,
    gaps,
    sensorKeys,
    forgetKey(key) {
      gaps.forget(key)
      sensorKeys.delete(key)
    },
    caughtUp: (timeoutMs) => waitCaughtUp(queue, counters, now, timeoutMs),
    enqueue(p) {
      // A drain loop waiting for confirmations would wait forever while a message waits: let it go on.
      if (!admission.admit(p)) ledger.wake()
    },
    resume() {
      paused = false
      scheduleDrain()
    },
    drain(timeoutMs) {
      if (queue.size === 0 && pending.length === 0 && !draining) return Promise.resolve(true)
      const idle = idleWaiters.wait(timeoutMs, () => {
        dropRemaining(queue, pending, counters, ledger)
      })
      scheduleDrain()
      return idle
    },
  }
}
