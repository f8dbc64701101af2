/**
 * @module test/fake-service
 * Runs a real service definition on the in-memory {@link FakeTransport}: messages are injected by hand
 * and the service's hops, handlers and metrics run as in production, without a broker. Used by the
 * services' intake tests (fuzzed topics and payloads, an outage of the transport).
 */
import type { HopMetrics } from '@sluice/contract'
import type { TObject } from '@sinclair/typebox'
import { startService, type ServiceDefinition, type ServiceHandle } from '../src/run-service.js'
import { createFakeTransport, type FakeTransport } from './fake-transport.js'

/** A service running on a fake transport. */
export interface FakeService<S extends TObject> {
  readonly handle: ServiceHandle<S>
  readonly transport: FakeTransport
  /** Waits until the hop `hop` has nothing queued or in hand, and returns its metrics then. */
  settle(hop: string): Promise<HopMetrics>
}

/** Starts `def` on a fake transport, silent, with `overrides` over its config. */
export async function startFakeService<S extends TObject>(
  def: ServiceDefinition<S>,
  overrides: Record<string, unknown> = {},
): Promise<FakeService<S>> {
  const transport = createFakeTransport()
  const handle = await startService(def, {
    transport,
    overrides: { instance: 'fake', logLevel: 'silent', ...overrides },
  })
  return {
    handle,
    transport,
    async settle(hop) {
      // While samples are queued, look every 10 ms rather than every turn: collecting costs O(sensors)
      // (the anomaly service's detector states), and a 20 000-sensor test spent its time collecting.
      for (let quiet = 0, busy = false; ;) {
        await new Promise((r) => (busy ? setTimeout(r, 10) : setImmediate(r)))
        const m = handle.metrics.collect().hops[hop]
        if (m === undefined) throw new Error(`no hop ${hop}`)
        busy = m.queue.length > 0
        if (busy) quiet = 0
        else if (++quiet >= 3) return m
      }
    },
  }
}
