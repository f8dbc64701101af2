import { describe, expect, it } from 'vitest'
import { createFakeTransport } from '../test/fake-transport.js'
import { createMetricsPublisher, type MetricsSource } from './metrics.js'
import type { MeshLogger } from './logger.js'

describe('createMetricsPublisher', () => {
  it('leaves out a metrics source that throws, keeps the others and logs a warning', async () => {
    const transport = createFakeTransport()
    const warnings: unknown[] = []
    const log: MeshLogger = {
      error: () => undefined,
      warn: (obj: unknown) => void warnings.push(obj),
      info: () => undefined,
      debug: () => undefined,
      trace: () => undefined,
      child: () => log,
    }
    const broken: MetricsSource = {
      name: 'broken',
      metrics: () => {
        throw new Error('boom')
      },
    }
    const fine: MetricsSource = {
      name: 'fine',
      metrics: () => ({
        direction: 'in',
        qos: 1,
        policy: 'block',
        in: 0,
        out: 0,
        dropped: {},
        rejected: 0,
        queue: { length: 0, capacity: 1 },
        lambda: 0,
        mu: 0,
        w: 0,
        l: 0,
        lMeasured: 0,
        state: 'ok',
      }),
    }
    const m = createMetricsPublisher({
      service: 'svc',
      instance: 'i1',
      prefix: 'sluice',
      transport,
      intervalMs: 1000,
      sources: () => [broken, fine],
      log,
    })
    await expect(m.publishNow()).resolves.toBeUndefined()
    expect(transport.published).toHaveLength(1)
    const payload = JSON.parse(String(transport.published[0]!.payload)) as { hops: object }
    expect(Object.keys(payload.hops)).toEqual(['fine'])
    expect(warnings).toHaveLength(1)
  })
})
