/**
 * Issue 11: with 520 sensors and ~140 browsers the dashboard went from 229 MB to 6 GB and out of memory,
 * because every page got its own serialised copy of the whole snapshot, however many, and a page that
 * stopped reading kept all of it. Here 300 sensors with full history and live data, and 150 event streams
 * (60 that never read, 40 that do, 50 past the cap): the cap holds with a 503 that says why, the snapshot
 * is built at most once per tick, and the memory the connections add (V8 heap and Buffers, after a full
 * GC) stays within maxClients × clientBacklogBytes, far below one copy of the snapshot per page.
 */
import { request, type IncomingMessage } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { startBroker, silentBrokerLogger, type RunningBroker } from '@sluice/broker'
import { rawTopic } from '@sluice/contract'
import { tempDir, waitFor, type TempDir } from '@sluice/testkit'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDashboard, type RunningDashboard } from './helpers.js'

const SENSORS = 300
const HISTORY = 600
const MAX_CLIENTS = 100
const BACKLOG = 256 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** V8 heap and Buffer memory after a full collection, in bytes. */
function memory(): number {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

interface Stream {
  readonly res: IncomingMessage
  body: string
}

/** Opens `/events`; a page that never reads keeps its socket paused after the headers. */
function openEvents(url: string, read: boolean): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('events', url), (res) => {
      const stream: Stream = { res, body: '' }
      if (res.statusCode !== 200) {
        res.setEncoding('utf8')
        res.on('data', (d: string) => (stream.body += d))
        res.on('end', () => resolve(stream))
        return
      }
      if (read) res.resume()
      else res.pause()
      resolve(stream)
    })
    req.on('error', reject)
    req.end()
  })
}

function batch(from: number, n: number, now: number): string {
  const seq = Array.from({ length: n }, (_, k) => from + k)
  return JSON.stringify({
    seq,
    t: seq.map((s) => now - (n - s + from) * 10 + 0.25),
    value: seq.map((s) => Math.sin(s / 7) * 1000 + 0.123456),
    ingest: seq.map((s) => now - (n - s + from) * 10 + 0.75),
  })
}

describe('dashboard memory with many browsers', () => {
  let dir: TempDir
  let broker: RunningBroker
  let dashboard: RunningDashboard
  let pub: MqttClient
  const streams: Stream[] = []
  let live: NodeJS.Timeout | undefined

  beforeAll(async () => {
    dir = await tempDir('sluice-dashboard-memory-')
    broker = await startBroker({ host: '127.0.0.1', port: 0, logger: silentBrokerLogger })
    dashboard = await startDashboard(broker.url, dir.path, {
      historySamples: HISTORY,
      maxClients: MAX_CLIENTS,
      clientBacklogBytes: BACKLOG,
      maxSensors: 1000,
    })
    pub = await mqtt.connectAsync(broker.url, { clientId: 'sluice-serial-bridge-memtest' })
  })
  afterAll(async () => {
    if (live !== undefined) clearInterval(live)
    for (const s of streams) s.res.destroy()
    await pub?.endAsync()
    await dashboard?.handle.stop()
    await broker?.close()
    await dir?.remove()
  })

  async function state(): Promise<{ stats: Record<string, number | undefined> }> {
    const res = await fetch(new URL('api/state', dashboard.url))
    return (await res.json()) as { stats: Record<string, number | undefined> }
  }

  it('holds the cap and bounds memory with 150 event streams, 60 of them never reading', async () => {
    // Full history for every sensor: the whole snapshot is many megabytes of JSON.
    // In steps of 20 sensors, within the raw hop's capacity (50 000 samples).
    const now = Date.now()
    for (let s = 0; s < SENSORS; s += 20) {
      for (let k = s; k < s + 20; k++)
        await pub.publishAsync(rawTopic('sluice', `dev-${k}`, 'ch'), batch(0, HISTORY, now))
      await waitFor(async () => (await state()).stats.sensors === s + 20, {
        timeout: 20_000,
        interval: 100,
        message: `${s + 20} sensors at the dashboard`,
      })
    }
    // Live data all along: 10 samples per sensor every 500 ms.
    let seq = HISTORY
    live = setInterval(() => {
      const t = Date.now()
      for (let s = 0; s < SENSORS; s++)
        pub.publish(rawTopic('sluice', `dev-${s}`, 'ch'), batch(seq, 10, t))
      seq += 10
    }, 500)
    // What one page was sent before the fix: every sensor's whole history as JSON (about).
    const wholeSnapshot = SENSORS * Buffer.byteLength(batch(0, HISTORY, now))
    const built = (await state()).stats.snapshots!
    const before = memory()
    const connecting = Date.now()
    // Pages arriving together, as after a restart of the dashboard: they share snapshots.
    const open = (n: number, read: boolean) =>
      Promise.all(Array.from({ length: n }, () => openEvents(dashboard.url, read)))
    streams.push(...(await open(60, false)), ...(await open(40, true)))
    const refused = await open(50, true)
    const ticks = Math.ceil((Date.now() - connecting) / 100) + 1

    expect(streams.map((s) => s.res.statusCode)).toEqual(Array(100).fill(200))
    expect(refused.map((s) => s.res.statusCode)).toEqual(Array(50).fill(503))
    expect(refused[0]!.body).toMatch(/already serves 100 pages, its limit \(maxClients\)/)

    // Let frames pile up behind the pages that never read.
    await new Promise((r) => setTimeout(r, 5000))
    const after = memory()
    const s = (await state()).stats
    expect(s).toMatchObject({ browsers: 100, refusedBrowsers: 50 })
    // Once per tick (frame) at most: pages that arrive in the same tick share one. The pages that never
    // read keep the hub busy from their snapshot on, so frames linger the whole frameMs (100 ms).
    const snapshots = s.snapshots! - built - 1 // the /api/state just above may have built one
    expect(snapshots).toBeLessThanOrEqual(Math.min(ticks, 100))
    const added = after - before
    console.info(
      `dashboard memory: whole history ${(wholeSnapshot / 2 ** 20).toFixed(1)} MiB of JSON, ` +
        `${(added / 2 ** 20).toFixed(1)} MiB added by 150 streams, ${snapshots} snapshots built ` +
        `in ${ticks} ticks, ` +
        `${s.skippedFrames} frames skipped`,
    )
    // The bound the hub gives (every page's backlog full) plus room for the live data in flight: one
    // copy of the whole history per page, as before the fix, would be ~100 × wholeSnapshot.
    expect(added).toBeLessThan(MAX_CLIENTS * BACKLOG + 32 * 2 ** 20)
  }, 180_000)
})
