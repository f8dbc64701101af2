/**
 * An InfluxDB outage with a crash in the middle of it, against a real influxd and the forwarder as a real
 * process: influxd is stopped mid-stream for `SLUICE_FORWARDER_OUTAGE_MS` (default 30 000 ms), the
 * forwarder is killed with SIGKILL during the outage and started again; once influxd is back, every
 * sample is in the database exactly once (a replayed point rewrites itself: same series, same timestamp),
 * with its exact value, and the spool is empty.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startBroker, type RunningBroker } from '@sluice/broker'
import { metricsFilter, rawTopic, type ServiceMetrics } from '@sluice/contract'
import {
  collectMessages,
  tempDir,
  waitFor,
  type MessageCollector,
  type TempDir,
} from '@sluice/testkit'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toMicros } from '../src/sinks/line-protocol.js'
import {
  influxSink,
  localInfluxd,
  queryRows,
  rawSample,
  restartableInfluxd,
  spawnForwarder,
  waitStarted,
  type ForwarderProcess,
  type RestartableInfluxd,
} from './helpers.js'

const OUTAGE_MS = Number(process.env.SLUICE_FORWARDER_OUTAGE_MS ?? 30_000)
const local = localInfluxd()

describe.skipIf(local === undefined)('InfluxDB outage and a forwarder crash', () => {
  let broker: RunningBroker
  let influx: RestartableInfluxd
  let dir: TempDir
  let pub: MqttClient
  let metrics: MessageCollector
  const procs: ForwarderProcess[] = []
  let stopPublishing = (): Promise<void> => Promise.resolve()

  beforeAll(async () => {
    dir = await tempDir('sluice-fwd-outage-')
    broker = await startBroker({ port: 0, anonymousRole: 'admin' })
    influx = await restartableInfluxd(local!)
    await influx.start()
    await queryRows(influx.url, '', 'CREATE DATABASE sluice')
    pub = await mqtt.connectAsync(broker.url, { clientId: 'outage-test-pub' })
    metrics = await collectMessages(broker.url, metricsFilter('sluice'))
  })

  afterAll(async () => {
    await stopPublishing()
    for (const p of procs) p.child.kill('SIGKILL')
    await Promise.all(procs.map((p) => p.exited))
    await metrics.close()
    await pub.endAsync()
    await broker.close()
    await influx.remove()
    await dir.remove()
  })

  it(
    'loses nothing and duplicates nothing across a database outage and a kill -9 of the forwarder',
    async () => {
      mkdirSync(join(dir.path, 'data'))
      const config = {
        dataDir: join(dir.path, 'data'),
        instance: 'fwd1',
        // A persistent session: what is published while the forwarder is dead waits at the broker.
        session: 'persistent',
        logLevel: 'info',
        sinks: [
          influxSink({
            name: 'influx',
            url: influx.url,
            topics: ['raw'],
            batchSize: 100,
            lingerMs: 50,
            retryBaseMs: 200,
            retryMaxMs: 2000,
          }),
        ],
      }
      const cfgFile = join(dir.path, 'forwarder.yaml')
      const start = async (): Promise<ForwarderProcess> => {
        const p = spawnForwarder(cfgFile, config, ['--broker', broker.url])
        procs.push(p)
        await waitStarted(p)
        return p
      }
      const first = await start()

      // 50 samples/s, published by a steady loop until told to stop.
      let n = 0
      let publishing = true
      const publisher = (async () => {
        const t0 = Date.now()
        while (publishing) {
          const due = Math.floor((Date.now() - t0) / 20)
          for (; n <= due; n++)
            await pub.publishAsync(
              rawTopic('sluice', 'uno', 'light'),
              JSON.stringify(rawSample(n)),
              { qos: 1 },
            )
          await new Promise((r) => setTimeout(r, 10))
        }
      })()
      stopPublishing = async () => {
        publishing = false
        await publisher.catch(() => undefined)
      }
      const countIn = async (): Promise<number> =>
        ((await queryRows(influx.url, 'sluice', 'SELECT count(value) FROM sluice_raw'))
          .values[0]?.[1] as number | undefined) ?? 0
      await waitFor(async () => (await countIn()) >= 50, {
        timeout: 10_000,
        interval: 100,
        message: 'the first points in influxd',
      })

      await influx.stop()
      const outageStart = Date.now()
      // The forwarder keeps taking data in and spools it; its metrics say so.
      await waitFor(
        () =>
          metrics.json<ServiceMetrics>().some((m) => {
            const h = m.service === 'forwarder' ? m.hops.influx : undefined
            return h !== undefined && h.queue.length > 0 && (h.sink?.retries ?? 0) > 0
          }),
        { timeout: 15_000, message: 'metrics showing a growing spool and retries' },
      )

      await new Promise((r) =>
        setTimeout(r, Math.max(0, OUTAGE_MS / 2 - (Date.now() - outageStart))),
      )
      const spooledAtKill = n
      first.child.kill('SIGKILL')
      await first.exited
      const second = await start()
      await waitFor(() => second.output().includes('replaying the spool'), {
        timeout: 10_000,
        message: 'the restarted forwarder to find its spool',
      })
      const replay = JSON.parse(
        second
          .output()
          .split('\n')
          .find((l) => l.includes('replaying the spool'))!,
      ) as { pending: number }
      expect(replay.pending).toBeGreaterThan(0)

      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - outageStart))))
      const outageMs = Date.now() - outageStart
      await influx.start()
      await new Promise((r) => setTimeout(r, 2000))
      publishing = false
      await publisher
      const total = n
      expect(spooledAtKill).toBeLessThan(total)

      await waitFor(async () => (await countIn()) >= total, {
        timeout: 30_000,
        interval: 200,
        message: `${total} points in influxd after the outage`,
      })
      const rows = await queryRows(
        influx.url,
        'sluice',
        'SELECT seq, value FROM sluice_raw ORDER BY time',
      )
      expect(rows.values.length).toBe(total)
      expect(rows.values).toEqual(
        Array.from({ length: total }, (_, i) => [toMicros(rawSample(i).t), i, rawSample(i).value]),
      )
      const last = await waitFor(
        () =>
          metrics
            .json<ServiceMetrics>()
            .filter((m) => m.service === 'forwarder' && m.hops.influx !== undefined)
            .at(-1)?.hops.influx?.queue.length === 0,
        { timeout: 10_000, message: 'an empty spool in the metrics' },
      )
      expect(last).toBe(true)
      process.stderr.write(
        `[outage] ${total} samples, influxd down ${outageMs} ms, forwarder killed after ${spooledAtKill} with ${replay.pending} spooled: all delivered once\n`,
      )
    },
    OUTAGE_MS + 120_000,
  )
})
