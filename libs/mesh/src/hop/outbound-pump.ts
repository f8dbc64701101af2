/**
 * @module hop/outbound-pump
 * The pump of an outbound hop (see the outbound hop's module note): it hands queued messages to the
 * transport while it is connected, with at most `maxInFlight` unacknowledged, settles each on the
 * broker's answer (meter, confirmation, failure count) and wakes whoever waits for room in the queue, for
 * the hop to be sendable, or for it to be idle.
 */
import type { BoundedQueue, HopMeter } from '@sluice/stream'
import { createSampledLog, type MeshLogger } from '../logger.js'
import type { Transport } from '../transport/transport.js'
import type { Confirmations, OutMessage } from './outbound-confirm.js'
import type { OutboundHopSpec } from './outbound-hop.js'

/** What the pump of one outbound hop works with. */
export interface OutboundPumpDeps {
  readonly transport: Transport
  readonly queue: BoundedQueue<OutMessage>
  readonly meter: HopMeter
  readonly confirmations: Confirmations
  readonly now: () => number
  readonly log: MeshLogger
}

/** The pump of one outbound hop. */
export interface OutboundPump {
  /** Hands queued messages to the transport as far as it can, then wakes the waiters. */
  pump(): void
  /** Messages handed to the transport and not yet acknowledged. */
  readonly inFlight: number
  /** Samples acknowledged by the broker. */
  readonly out: number
  /** Samples the transport refused. */
  readonly failed: number
  readonly closed: boolean
  /** See {@link OutboundHop.busy}. */
  readonly busy: boolean
  /** Resolves once the hop is no longer busy (at once if it is not). */
  sendable(): Promise<void>
  /** Resolves when the queue has room, or at once once closed. */
  ready(): Promise<void>
  /**
   * Resolves true once nothing is queued or in flight, or false after `timeoutMs`, when `onTimeout` is
   * called first.
   */
  whenIdle(timeoutMs: number, onTimeout: () => void): Promise<boolean>
  /** Stops the pump and its connection listener, and releases whoever waits for room. */
  close(): void
}

interface WaiterList {
  readonly size: number
  add(waiter: () => void): void
  remove(waiter: () => void): void
  wakeAll(): void
}

function createWaiterList(): WaiterList {
  let waiters: (() => void)[] = []
  return {
    get size() {
      return waiters.length
    },
    add(waiter) {
      waiters.push(waiter)
    },
    remove(waiter) {
      waiters = waiters.filter((w) => w !== waiter)
    },
    wakeAll() {
      const w = waiters
      waiters = []
      for (const f of w) f()
    },
  }
}

/** Creates the pump of the outbound hop `spec` and starts listening for the transport's connects. */
export function createOutboundPump(spec: OutboundHopSpec, deps: OutboundPumpDeps): OutboundPump {
  const { transport, queue, meter, confirmations, now } = deps
  const maxInFlight = spec.maxInFlight ?? 64
  const retain = spec.retain ?? false
  const warnFailed = createSampledLog(deps.log, 'warn', 100)
  let inFlight = 0
  let out = 0
  let failed = 0
  let closed = false
  const roomWaiters = createWaiterList()
  const idleWaiters = createWaiterList()
  const sendableWaiters = createWaiterList()

  function isBusy(): boolean {
    return queue.size > 0 || inFlight >= maxInFlight || !transport.connected
  }

  function settle(m: OutMessage, ok: boolean, err?: unknown): void {
    inFlight--
    const t = now()
    if (ok) {
      m.confirm?.resolve()
      out += m.weight
      // Busy time is not measurable per message with several in flight: μ is then the throughput.
      meter.serve(t, m.weight, m.waited, 0)
      if (m.ingest !== undefined) meter.recordLatency(t - m.ingest)
    } else {
      failed += m.weight
      confirmations.unconfirmed(m, 'failed', err)
      warnFailed({ err, hop: spec.name, topic: m.topic, failed }, 'publish failed; message dropped')
    }
    pump()
    if (queue.size === 0 && inFlight === 0 && idleWaiters.size > 0) idleWaiters.wakeAll()
  }

  function pump(): void {
    if (closed) return
    while (inFlight < maxInFlight && queue.size > 0 && transport.connected) {
      const m = queue.poll()!
      if (m.confirm !== undefined) confirmations.handOn(m)
      const t = now()
      meter.observeLength(t, queue.length)
      inFlight++
      // W is the time in our queue; the time in flight shows up in the latency instead.
      m.waited = t - m.at
      transport.publish(m.topic, m.payload, { qos: spec.qos, retain }).then(
        () => settle(m, true),
        (err: unknown) => settle(m, false, err),
      )
    }
    if (roomWaiters.size > 0 && queue.free > 0) roomWaiters.wakeAll()
    if (sendableWaiters.size > 0 && !isBusy()) sendableWaiters.wakeAll()
  }

  const offEvent = transport.onEvent((e) => {
    if (e.type === 'connect') pump()
  })

  return {
    pump,
    get inFlight() {
      return inFlight
    },
    get out() {
      return out
    },
    get failed() {
      return failed
    },
    get closed() {
      return closed
    },
    get busy() {
      return isBusy()
    },
    sendable() {
      if (!isBusy()) return Promise.resolve()
      return new Promise<void>((resolve) => sendableWaiters.add(resolve))
    },
    ready() {
      // A closed hop takes nothing more: resolve at once so a waiting publisher sees `closed` and stops.
      if (queue.free > 0 || closed) return Promise.resolve()
      return new Promise<void>((resolve) => roomWaiters.add(resolve))
    },
    whenIdle(timeoutMs, onTimeout) {
      return new Promise<boolean>((resolve) => {
        const onIdle = (): void => {
          clearTimeout(timer)
          resolve(true)
        }
        const timer = setTimeout(() => {
          idleWaiters.remove(onIdle)
          onTimeout()
          resolve(false)
        }, timeoutMs)
        idleWaiters.add(onIdle)
      })
    },
    close() {
      closed = true
      offEvent()
      roomWaiters.wakeAll()
    },
  }
}
