/**
 * Scenario 1 of issue 7, the baseline the mesh is compared with: raw mqtt.js → broker → mqtt.js, one hop,
 * on stock Aedes (no ACL, no limits, no per-subscriber queues) and on the Sluice broker (`sluice broker`:
 * ACL, per-client rate limit of 20 000 messages/s, a bounded queue per subscriber), each its own process.
 * The publisher is the benchmark-only load generator (its own process, the bridge's exact payloads); the
 * subscriber is this process.
 *
 * Three cases per broker and QoS (0 and 1): as fast as the broker takes them with one sample per message
 * (messages/s), the same with batches of 100 samples (samples/s, the form the bridge sends at high rates),
 * and the one-hop latency of lone samples at a paced 1 000 messages/s (from the publisher's `ingest` stamp
 * to the subscriber's receipt, p50 and p99).
 *
 * Run: `node --conditions=sluice-src --import tsx bench/broker/baseline.ts [--quick]`
 * Writes `bench/results/baseline.json`.
 */
import { join } from 'node:path'
import { freePort } from '@sluice/testkit'
import mqtt from 'mqtt'
import { startLoad } from '../lib/load.js'
import { percentiles } from '../lib/probe.js'
import {
  monitorProcesses,
  procColumns,
  repoRoot,
  sleep,
  startProcess,
  startService,
  waitForPort,
  type BenchProcess,
} from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'
import { epochMs } from '@sluice/contract'

const quick = process.argv.includes('--quick')
const RUN_S = quick ? 4 : 6

const now = epochMs

async function startBrokerProcess(kind: 'aedes' | 'sluice', port: number): Promise<BenchProcess> {
  const p =
    kind === 'aedes'
      ? startProcess('broker', [
          '--import',
          'tsx',
          join(repoRoot, 'bench/lib/aedes-server.ts'),
          String(port),
        ])
      : startService('broker', 'broker', ['--port', String(port)])
  await waitForPort(port)
  return p
}

interface CaseResult {
  readonly messagesPerS: number
  readonly samplesPerS: number
  readonly latency: ReturnType<typeof percentiles>
  readonly procs: Record<string, string>
}

async function runCase(
  url: string,
  broker: BenchProcess,
  qos: 0 | 1,
  batch: number,
  rate: number,
): Promise<CaseResult> {
  const sub = await mqtt.connectAsync(url, { clientId: `bench-sub-${process.pid}` })
  let messages = 0
  let samples = 0
  let counting = false
  const lat: number[] = []
  sub.on('message', (_topic, payload) => {
    if (!counting) return
    messages++
    const at = now()
    const p = JSON.parse(payload.toString()) as { ingest: number | number[] }
    if (Array.isArray(p.ingest)) {
      samples += p.ingest.length
      lat.push(at - p.ingest[0]!)
    } else {
      samples++
      lat.push(at - p.ingest)
    }
  })
  await sub.subscribeAsync('sluice/+/+/raw', { qos })
  const load = startLoad({
    url,
    devices: 10,
    rate: rate * batch,
    batch,
    qos,
    seconds: 120, // stopped once measured
    inflight: qos === 0 ? 1000 : 64,
  })
  const monitor = monitorProcesses(
    new Map([
      ['broker', broker.pid],
      ['publisher', load.proc.pid],
      ['subscriber', process.pid],
    ]),
    1000,
  )
  await load.ready
  await sleep(1000)
  counting = true
  monitor.mark()
  const t0 = performance.now()
  await sleep(RUN_S * 1000)
  counting = false
  const seconds = (performance.now() - t0) / 1000
  const usage = monitor.summary()
  monitor.stop()
  await load.stop()
  await sub.endAsync()
  return {
    messagesPerS: messages / seconds,
    samplesPerS: samples / seconds,
    latency: percentiles(lat),
    procs: procColumns(usage),
  }
}

const rows: BenchRow[] = []
const ceiling = new Map<string, number>()
for (const kind of ['aedes', 'sluice'] as const) {
  const port = await freePort()
  const broker = await startBrokerProcess(kind, port)
  const url = `mqtt://127.0.0.1:${port}`
  const name = kind === 'aedes' ? 'stock Aedes' : 'Sluice broker'
  for (const qos of [0, 1] as const) {
    const lone = await runCase(url, broker, qos, 1, 0)
    const batched = await runCase(url, broker, qos, 100, 0)
    const paced = await runCase(url, broker, qos, 1, 1000)
    const key = (what: string): string => `${what} QoS ${qos}`
    if (kind === 'aedes') {
      ceiling.set(key('lone'), lone.messagesPerS)
      ceiling.set(key('batch'), batched.samplesPerS)
    }
    const ratio = (k: string, v: number): Record<string, number> =>
      kind === 'aedes' ? {} : { 'vs stock Aedes': Math.round((v / ceiling.get(k)!) * 100) / 100 }
    rows.push({
      case: `${name}, QoS ${qos}, 1 sample/message, max rate`,
      value: lone.messagesPerS,
      unit: 'messages/s',
      ...ratio(key('lone'), lone.messagesPerS),
      'p99 ms': lone.latency.p99,
      ...lone.procs,
    })
    rows.push({
      case: `${name}, QoS ${qos}, 100 samples/message, max rate`,
      value: batched.samplesPerS,
      unit: 'samples/s',
      ...ratio(key('batch'), batched.samplesPerS),
      'messages/s': Math.round(batched.messagesPerS),
      'p99 ms': batched.latency.p99,
      ...batched.procs,
    })
    rows.push({
      case: `${name}, QoS ${qos}, 1 sample/message at 1 000 messages/s: latency p99`,
      value: paced.latency.p99,
      unit: 'ms',
      p50: paced.latency.p50,
      p95: paced.latency.p95,
      max: paced.latency.max,
      n: paced.latency.n,
    })
    console.log(
      `${name.padEnd(14)} QoS ${qos}: lone ${Math.round(lone.messagesPerS)} msg/s, batched ${Math.round(batched.samplesPerS)} samples/s (${Math.round(batched.messagesPerS)} msg/s), 1k msg/s latency p50 ${paced.latency.p50.toFixed(2)} p99 ${paced.latency.p99.toFixed(2)} ms`,
    )
  }
  await broker.stop()
}
writeResult(
  'baseline',
  `node --conditions=sluice-src --import tsx bench/broker/baseline.ts${quick ? ' --quick' : ''}`,
  rows,
)
