/**
 * @module test/intake
 * The dashboard's sensor limit shows in its metrics (issue 11, item 10): samples, aggregates and events of
 * sensors beyond `maxSensors` are counted as `dropped.max-sensors` on their inbound hops. Runs on a fake
 * transport (no broker), with the HTTP server on a free port of 127.0.0.1.
 */
import { encodeText, MESSAGE_EXAMPLES, MessageIds } from '@sluice/contract'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakeService, type FakeService } from '../../../libs/mesh/test/fake-service.js'
import { dashboardService } from '../src/index.js'

const running: FakeService<typeof dashboardService.configSchema>[] = []
afterEach(async () => {
  for (const s of running.splice(0)) await s.handle.stop()
})

describe('dashboard intake (issue 11)', () => {
  it('counts what it refuses beyond maxSensors in the metrics of each hop', async () => {
    const svc = await startFakeService(dashboardService, { port: 0, maxSensors: 2 })
    running.push(svc)
    const now = Date.now()
    for (let i = 0; i < 5; i++) {
      svc.transport.inject(
        `sluice/d${i}/x/raw`,
        encodeText({ seq: 1, t: now, value: i, ingest: now }),
      )
      svc.transport.inject(
        `sluice/d${i}/x/window/t5s`,
        encodeText({ ...MESSAGE_EXAMPLES[MessageIds.window], window: 't5s' }),
      )
    }
    const raw = await svc.settle('raw')
    const windows = await svc.settle('windows')
    expect(raw).toMatchObject({ in: 5, out: 2, dropped: { 'max-sensors': 3 } })
    expect(windows).toMatchObject({ in: 5, out: 2, dropped: { 'max-sensors': 3 } })
  })

  it('takes a window batch as its aggregates, one by one', async () => {
    const svc = await startFakeService(dashboardService, { port: 0 })
    running.push(svc)
    const batch = MESSAGE_EXAMPLES[MessageIds.windowBatch]
    svc.transport.inject('sluice/d0/x/window/c100', encodeText(batch))
    svc.transport.inject('sluice/d0/x/window/c100', encodeText([{ ...batch[0]!, count: -1 }]))
    expect(await svc.settle('windows')).toMatchObject({ in: 2, out: 2, rejected: 1 })
  })
})
