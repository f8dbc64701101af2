/**
 * The InfluxDB sink against a real influxd (Debian's 1.6, started on a free port in a temporary
 * directory): every point the forwarder is given is in the database, read back through `/query`, with
 * values and microsecond timestamps exact; a second sink with its own topic selection runs beside it.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { startBroker, type RunningBroker } from '@sluice/broker'
import { anomalyTopic, rawTopic, windowTopic } from '@sluice/contract'
import { startService, type ServiceHandle } from '@sluice/mesh'
import { tempDir, waitFor, type TempDir } from '@sluice/testkit'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { forwarderService } from '../src/index.js'
import { createInfluxSink } from '../src/sinks/influx.js'
import { toMicros } from '../src/sinks/line-protocol.js'
import {
  anomalyEvent,
  asObjects,
  fileSink,
  influxSink,
  localInfluxd,
  queryRows,
  rawSample,
  restartableInfluxd,
  windowAggregate,
  type RestartableInfluxd,
} from './helpers.js'

const dashboardPath = fileURLToPath(
  new URL('../../../deploy/grafana/provisioning/dashboards/sluice.json', import.meta.url),
)
const local = localInfluxd()

describe.skipIf(local === undefined)('forwarder → real influxd', () => {
  let broker: RunningBroker
  let influx: RestartableInfluxd
  let dir: TempDir
  let fwd: ServiceHandle<typeof forwarderService.configSchema>
  let pub: MqttClient

  beforeAll(async () => {
    dir = await tempDir('sluice-fwd-influx-')
    broker = await startBroker({ port: 0, anonymousRole: 'admin' })
    influx = await restartableInfluxd(local!)
    await influx.start()
    await queryRows(influx.url, '', 'CREATE DATABASE sluice')
    fwd = await startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance: 'influx-t',
        logLevel: 'silent',
        metricsIntervalMs: 250,
        dataDir: dir.path,
        sinks: [
          influxSink({
            name: 'influx',
            url: influx.url,
            topics: ['raw', 'window', 'anomaly'],
            batchSize: 200,
          }),
          fileSink({ name: 'alerts', topics: ['anomaly'] }),
          // Pipeline health, as the Grafana dashboard reads it: every service's metrics, the forwarder's own included.
          influxSink({ name: 'health', url: influx.url, topics: ['metrics'], lingerMs: 200 }),
        ],
      },
    })
    pub = await mqtt.connectAsync(broker.url, { clientId: 'influx-test-pub' })
  })

  afterAll(async () => {
    await pub.endAsync()
    await fwd.stop()
    await broker.close()
    await influx.remove()
    await dir.remove()
  })

  it('writes every raw sample, window and anomaly with exact values and timestamps', async () => {
    const N = 600
    for (let i = 0; i < N; i++) {
      // Singles and batches: both forms of the raw payload are forwarded point by point.
      if (i % 100 < 50)
        await pub.publishAsync(rawTopic('sluice', 'uno', 'light'), JSON.stringify(rawSample(i)), {
          qos: 1,
        })
      else if (i % 10 === 0) {
        const ss = Array.from({ length: 10 }, (_, k) => rawSample(i + k))
        const batch = {
          seq: ss.map((s) => s.seq),
          t: ss.map((s) => s.t),
          value: ss.map((s) => s.value),
          ingest: ss.map((s) => s.ingest),
        }
        await pub.publishAsync(rawTopic('sluice', 'uno', 'light'), JSON.stringify(batch), {
          qos: 1,
        })
      }
    }
    const W = 40
    const A = 15
    for (let i = 0; i < W; i++)
      await pub.publishAsync(
        windowTopic('sluice', 'uno', 'light', 'w5s'),
        JSON.stringify(windowAggregate(i)),
        { qos: 1 },
      )
    for (let i = 0; i < A; i++)
      await pub.publishAsync(
        anomalyTopic('sluice', 'uno', 'light'),
        JSON.stringify(anomalyEvent(i)),
        { qos: 1 },
      )

    const count = async (m: string): Promise<number> => {
      const r = await queryRows(influx.url, 'sluice', `SELECT count(*) FROM ${m}`)
      return (r.values[0]?.[1] as number | undefined) ?? 0
    }
    await waitFor(
      async () =>
        (await count('sluice_raw')) === N &&
        (await count('sluice_window')) === W &&
        (await count('sluice_anomaly')) === A,
      {
        timeout: 20_000,
        interval: 200,
        message: `${N} raw, ${W} window and ${A} anomaly points in influxd`,
      },
    )

    const raw = asObjects(
      await queryRows(influx.url, 'sluice', 'SELECT * FROM sluice_raw ORDER BY time'),
    )
    expect(raw).toEqual(
      Array.from({ length: N }, (_, i) => {
        const s = rawSample(i)
        return { time: toMicros(s.t), channel: 'light', device: 'uno', seq: i, value: s.value }
      }),
    )
    const win = asObjects(
      await queryRows(influx.url, 'sluice', 'SELECT * FROM sluice_window ORDER BY time'),
    )
    expect(win).toEqual(
      Array.from({ length: W }, (_, i) => {
        const w = windowAggregate(i)
        return {
          time: toMicros(w.end),
          device: 'uno',
          channel: 'light',
          window: 'w5s',
          kind: 'tumbling',
          count: w.count,
          mean: w.mean,
          std: w.std,
          min: w.min,
          max: w.max,
          first: w.first,
          last: w.last,
          start: w.start,
          seq_from: w.seqFrom,
          seq_to: w.seqTo,
          late: w.late,
        }
      }),
    )
    const an = asObjects(
      await queryRows(influx.url, 'sluice', 'SELECT * FROM sluice_anomaly ORDER BY time'),
    )
    expect(an).toEqual(
      Array.from({ length: A }, (_, i) => {
        const a = anomalyEvent(i)
        return {
          time: toMicros(a.t),
          device: 'uno',
          channel: 'light',
          detector: 'zscore',
          level: 'very-unusual',
          kind: 'spike',
          value: a.value,
          score: a.score,
          threshold: a.threshold,
          baseline_mean: a.baseline.mean,
          baseline_std: a.baseline.std,
          baseline_n: a.baseline.n,
          seq: a.seq,
        }
      }),
    )

    // The file sink selected anomalies only, and got all of them, in order.
    const alerts = join(dir.path, 'alerts.jsonl')
    await waitFor(() => readFileSync(alerts, 'utf8').trim().split('\n').length === A, {
      timeout: 10_000,
      message: `${A} lines in alerts.jsonl`,
    })
    const lines = readFileSync(alerts, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; payload: { seq: number } })
    expect(lines.map((l) => l.kind)).toEqual(Array.from({ length: A }, () => 'anomaly'))
    expect(lines.map((l) => l.payload.seq)).toEqual(
      Array.from({ length: A }, (_, i) => anomalyEvent(i).seq),
    )

    const m = fwd.metrics.collect()
    const hop = m.hops.influx
    expect(hop?.sink?.evicted).toBe(0)
    expect(hop?.out).toBe(N + W + A)
    expect(hop?.queue.length).toBe(0)
  })

  it('runs every query of the Grafana dashboard without error, and each finds data', async () => {
    const dash = JSON.parse(readFileSync(dashboardPath, 'utf8')) as {
      panels: { title: string; targets?: { query: string }[] }[]
      annotations: { list: { query?: string }[] }
    }
    const queries = [
      ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.query)),
      ...dash.annotations.list.flatMap((a) => (a.query === undefined ? [] : [a.query])),
    ]
    expect(queries.length).toBeGreaterThan(8)
    // The forwarder's own metrics reach influxd through the `health` sink: wait for a few.
    const hopPoints = async (): Promise<number> =>
      ((await queryRows(influx.url, 'sluice', 'SELECT count("in") FROM sluice_hop'))
        .values[0]?.[1] as number | undefined) ?? 0
    await waitFor(async () => (await hopPoints()) >= 30, {
      timeout: 10_000,
      interval: 200,
      message: 'sluice_hop points',
    })
    for (const q of queries) {
      // What Grafana substitutes: the time range, the interval and the template variables.
      const sql = q
        .replaceAll('$timeFilter', 'time > 0')
        .replaceAll('$__interval', '200ms')
        .replaceAll('$device', 'uno')
        .replaceAll('$channel', 'light')
        .replaceAll('$window', 'w5s')
      const r = await queryRows(influx.url, 'sluice', sql)
      expect(r.values.length, sql).toBeGreaterThan(0)
    }
  })

  it('rewrites a replayed batch in place: same series and timestamp, no duplicate points', async () => {
    await queryRows(influx.url, '', 'CREATE DATABASE replay')
    const sink = createInfluxSink({
      name: 'r',
      url: influx.url,
      apiVersion: 1,
      database: 'replay',
      timeoutMs: 5000,
    })
    const records = Array.from({ length: 50 }, (_, i) =>
      sink.encode({
        kind: 'raw',
        topic: 'sluice/uno/light/raw',
        device: 'uno',
        channel: 'light',
        payload: rawSample(i),
      }),
    ).flat()
    await sink.send(records)
    await sink.send(records) // what a crash between send and acknowledgement replays
    await sink.send(records.slice(10, 20))
    const r = await queryRows(
      influx.url,
      'replay',
      'SELECT seq, value FROM sluice_raw ORDER BY time',
    )
    expect(r.values).toEqual(
      Array.from({ length: 50 }, (_, i) => [toMicros(rawSample(i).t), i, rawSample(i).value]),
    )
  })

  it('keeps the data and says why when the database does not exist, then delivers once it does', async () => {
    const d2 = await tempDir('sluice-fwd-influx-nodb-')
    const f2 = await startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance: 'influx-nodb',
        logLevel: 'silent',
        dataDir: d2.path,
        sinks: [
          influxSink({
            name: 'nodb',
            url: influx.url,
            database: 'missing',
            topics: ['anomaly'],
            retryMaxMs: 1000,
          }),
        ],
      },
    })
    try {
      for (let i = 100; i < 105; i++)
        await pub.publishAsync(
          anomalyTopic('sluice', 'dev2', 'temp'),
          JSON.stringify(anomalyEvent(i)),
          { qos: 1 },
        )
      const hop = await waitFor(
        () => {
          const h = f2.metrics.collect().hops.nodb
          return h?.sink?.lastError !== undefined ? h : undefined
        },
        { timeout: 10_000, message: 'the sink to report its error' },
      )
      expect(hop.sink?.lastError).toMatch(/database not found/)
      expect(hop.state).toBe('critical')
      expect(hop.queue.length).toBe(5)
      await queryRows(influx.url, '', 'CREATE DATABASE missing')
      await waitFor(
        async () => {
          const r = await queryRows(
            influx.url,
            'missing',
            'SELECT count(value) FROM sluice_anomaly',
          )
          return r.values[0]?.[1] === 5
        },
        { timeout: 10_000, interval: 100, message: '5 anomalies in the new database' },
      )
    } finally {
      await f2.stop()
      await d2.remove()
    }
  })
})

describe.skipIf(local === undefined)('forwarder → influxd with authentication', () => {
  let broker: RunningBroker
  let influx: RestartableInfluxd
  let dir: TempDir
  let pub: MqttClient
  const admin = { u: 'admin', p: 'adm1n' }

  beforeAll(async () => {
    dir = await tempDir('sluice-fwd-influx-auth-')
    broker = await startBroker({ port: 0, anonymousRole: 'admin' })
    influx = await restartableInfluxd(local!, { auth: true })
    await influx.start()
    await queryRows(
      influx.url,
      '',
      `CREATE USER admin WITH PASSWORD '${admin.p}' WITH ALL PRIVILEGES`,
    )
    await queryRows(influx.url, '', 'CREATE DATABASE sluice', admin)
    await queryRows(influx.url, '', "CREATE USER fwd WITH PASSWORD 'right'", admin)
    await queryRows(influx.url, '', 'GRANT WRITE ON sluice TO fwd', admin)
    pub = await mqtt.connectAsync(broker.url, { clientId: 'influx-auth-pub' })
  })

  afterAll(async () => {
    await pub.endAsync()
    await broker.close()
    await influx.remove()
    await dir.remove()
  })

  const start = (password: string) =>
    startService(forwarderService, {
      argv: ['--broker', broker.url],
      overrides: {
        instance: 'influx-auth',
        logLevel: 'silent',
        dataDir: dir.path,
        sinks: [
          influxSink({
            name: 'influx',
            url: influx.url,
            topics: ['anomaly'],
            username: 'fwd',
            password,
            retryMaxMs: 1000,
          }),
        ],
      },
    })

  it('reports refused credentials clearly, keeps the data, and delivers it once the password is fixed', async () => {
    const wrong = await start('wrong')
    for (let i = 0; i < 8; i++)
      await pub.publishAsync(
        anomalyTopic('sluice', 'uno', 'light'),
        JSON.stringify(anomalyEvent(i)),
        { qos: 1 },
      )
    const hop = await waitFor(
      () => {
        const h = wrong.metrics.collect().hops.influx
        return h?.sink?.lastError !== undefined && h.in === 8 ? h : undefined
      },
      { timeout: 10_000, message: 'the credentials error in the sink metrics' },
    )
    expect(hop.sink?.lastError).toMatch(
      /401 .*credentials were refused — check the username\/password or token/,
    )
    expect(hop.state).toBe('critical')
    expect(hop.queue.length).toBe(8)
    await wrong.stop()
    // The operator fixes the password and restarts: the spool replays.
    const right = await start('right')
    try {
      await waitFor(
        async () =>
          (await queryRows(influx.url, 'sluice', 'SELECT count(value) FROM sluice_anomaly', admin))
            .values[0]?.[1] === 8,
        { timeout: 10_000, interval: 100, message: '8 anomalies in the authenticated database' },
      )
      expect(right.metrics.collect().hops.influx?.sink?.lastError).toBeUndefined()
    } finally {
      await right.stop()
    }
  })
})
