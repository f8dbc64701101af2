/**
 * Memory during a long outage: the spool is on disk, so the forwarder's heap must not grow with the data
 * it holds. A sink hop whose sink is down takes in 10× its spool cap; the heap after a forced GC is
 * compared between 1× and 10× the cap. (The longer run, with RSS, is bench/forwarder/outage-memory.ts.)
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { silentLogger } from '@sluice/mesh'
import { tempDir } from '@sluice/testkit'
import { describe, expect, it } from 'vitest'
import { createSinkHop } from '../src/sink-hop.js'
import { SinkSendError, type ForwardItem, type Sink } from '../src/sinks/sink.js'
import { anomalyEvent } from './helpers.js'

// The documented way to get `gc` without --expose-gc on the command line (V8 flag, then a new context).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

describe('memory during a long outage', () => {
  it('does not grow the heap with spooled data: 10× the cap costs no more than 1× the cap', async () => {
    const dir = await tempDir('sluice-fwd-mem-')
    const down: Sink = {
      name: 'down',
      type: 'test',
      encode: (item) => [JSON.stringify(item.payload)],
      send: () => Promise.reject(new SinkSendError('down', true)),
      close: () => Promise.resolve(),
    }
    const CAP = 4 * 1024 * 1024
    const hop = createSinkHop(down, {
      spoolDir: dir.path,
      spoolMaxBytes: CAP,
      batchSize: 500,
      lingerMs: 100,
      ratePerSecond: 0,
      burst: 100,
      retryBaseMs: 50,
      retryMaxMs: 200,
      log: silentLogger,
    })
    hop.start()
    const item = (i: number): ForwardItem => ({
      kind: 'anomaly',
      topic: 'sluice/uno/light/anomaly',
      payload: anomalyEvent(i),
    })
    let i = 0
    const fill = async (bytes: number): Promise<void> => {
      let written = 0
      while (written < bytes) {
        for (let k = 0; k < 1000; k++, i++) {
          hop.offer([item(i)])
          written += 300
        }
        await new Promise((r) => setImmediate(r)) // let the (failing) sender run
      }
    }
    await fill(CAP)
    const atCap = heapAfterGc()
    const rssAtCap = process.memoryUsage().rss
    await fill(9 * CAP)
    const atTenCaps = heapAfterGc()
    const st = hop.spool.stats()
    process.stderr.write(
      `[memory] ${i} records offered (${((i * 300) / 1048576).toFixed(0)} MiB) into a ${CAP / 1048576} MiB spool: ` +
        `heap ${(atCap / 1048576).toFixed(1)} → ${(atTenCaps / 1048576).toFixed(1)} MiB, rss ${(rssAtCap / 1048576).toFixed(0)} → ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB; ` +
        `${st.evicted} evicted, ${st.pending} pending\n`,
    )
    expect(st.bytes).toBeLessThanOrEqual(CAP)
    expect(st.evicted + st.pending).toBe(i)
    // 9 caps' worth more data went through; the heap may move by GC noise, not by megabytes.
    expect(atTenCaps - atCap).toBeLessThan(CAP / 4)
    await hop.stop()
    await dir.remove()
  }, 60_000)
})
