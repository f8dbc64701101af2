/**
 * Scenario 4 of issue 7, overload: the anomaly service (its own process, on the embedded broker) offered
 * 2× and 10× what its raw hop can serve, under each queue policy of DESIGN.md §5, then 3× for five minutes
 * with the default policy to see whether memory stays flat.
 *
 * The load comes from the benchmark-only publisher (`bench/lib/load-gen.ts`: the bridge's exact payloads,
 * 100 sensors, batches of 100, QoS 1, per-sensor sequence numbers), so the offered count is exact. To make
 * the hop the bottleneck rather than the two shared cores, the service runs the robust MAD detector over a
 * window of 1 000 (a real configuration: O(log n) per sample, DESIGN.md §8) instead of the cheap z-score; μ
 * is first measured by offering more than it can take.
 *
 * For each run: the drop rate against the queueing prediction (a full queue served at μ and offered λ drops
 * the fraction 1 − μ/λ in the long run), the latency of delivered samples from `ingest` (the hop's own p99
 * over the last interval under load), the RSS of the service, and the identity `in = out + dropped + queued`
 * at the hop, checked to the sample from one metrics message. Samples the hop never took are accounted
 * for at the broker (its per-subscriber queue, in messages of 100): offered = broker-dropped + broker-queued
 * + in + held (under `block`, messages the hop keeps unacknowledged), reported as a residual.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/overload.ts [--quick] [--long-s 300]`
 * Writes `bench/results/mesh-overload.json` (with the RSS series of the long run for the plot).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { identityResidual, droppedTotal, serviceHopDelta } from '../lib/hops.js'
import { startLoad } from '../lib/load.js'
import { startMesh, type RunningMesh } from '../lib/mesh.js'
import type { MetricsSnapshot } from '../lib/probe.js'
import { launchMode, monitorProcesses, procColumns, sleep } from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
const longIdx = process.argv.indexOf('--long-s')
const LONG_S = longIdx >= 0 ? Number(process.argv[longIdx + 1]) : quick ? 60 : 300
const RUN_S = quick ? 8 : 12
const POLICIES = ['drop-oldest', 'drop-newest', 'sample', 'block'] as const
const FACTORS = [2, 10]
const CAPACITY = 20_000
const DEVICES = 100
const BATCH = 100

const configDir = await import('@sluice/testkit').then((t) => t.tempDir('sluice-bench-cfg-'))
const configFile = join(configDir.path, 'anomaly.yaml')
writeFileSync(configFile, 'detector:\n  name: mad\n  window: 1000\n')

async function anomalyMesh(policy: string): Promise<RunningMesh> {
  return startMesh({
    services: ['anomaly'],
    args: {
      anomaly: [
        '--config',
        configFile,
        '--hops.raw.queue.policy',
        policy,
        '--hops.raw.queue.capacity',
        String(CAPACITY),
      ],
    },
  })
}

/**
 * Waits until what can drain has drained (the hop's `in` stops moving and its queue is empty; under
 * `block` the backlog held at the broker and in the socket comes in meanwhile), at most 30 s.
 */
async function settle(mesh: RunningMesh): Promise<MetricsSnapshot> {
  let prev = await mesh.probe.nextMetrics('anomaly')
  const deadline = Date.now() + 30_000
  for (;;) {
    const m = await mesh.probe.nextMetrics('anomaly')
    const h = m.hops.raw!
    if ((h.in === prev.hops.raw!.in && h.queue.length === 0) || Date.now() > deadline) {
      // The broker's view must be of the same quiet state: its last metrics may be up to a second older
      // than the hop's, and still count as queued what the hop has taken since (with `block`, the
      // short run was off by exactly those batches).
      await mesh.probe.nextMetrics('broker')
      return m
    }
    prev = m
  }
}

// 1. μ: offer far more than the hop can serve and take its output rate once the queue is full.
let mu: number
let saturatedOut: number
{
  const mesh = await anomalyMesh('drop-oldest')
  const load = startLoad({
    url: mesh.url,
    devices: DEVICES,
    rate: 0,
    batch: BATCH,
    qos: 1,
    seconds: 14,
    devicePrefix: 'mu',
  })
  await load.ready
  await sleep(5000)
  const a = await mesh.probe.nextMetrics('anomaly')
  await sleep(6000)
  const b = await mesh.probe.nextMetrics('anomaly')
  const rates = serviceHopDelta(a, b, 'raw')
  // μ of the server in queueing terms: samples per second of handler time, which the hop measures itself
  // (busy time only). Its throughput while saturated is lower: intake (decoding what arrives) shares the
  // process's core with the handler.
  mu = b.hops.raw!.mu ?? NaN
  saturatedOut = rates.outRate
  const offered = rates.inRate
  await load.done
  await mesh.stop()
  console.log(
    `anomaly raw hop (MAD, window 1000): μ ≈ ${Math.round(mu)} samples/s of handler time; ${Math.round(saturatedOut)}/s out while saturated (hop took ${Math.round(offered)}/s)`,
  )
}

const rows: BenchRow[] = [
  {
    case: 'μ: anomaly raw hop service rate (MAD window 1000), per handler-second',
    value: mu,
    unit: 'samples/s',
  },
  { case: 'anomaly raw hop throughput while saturated', value: saturatedOut, unit: 'samples/s' },
]

// 2. Each policy at 2× and 10×.
for (const policy of POLICIES) {
  for (const factor of FACTORS) {
    const mesh = await anomalyMesh(policy)
    const monitor = monitorProcesses(new Map([['anomaly', mesh.procs.get('anomaly')!.pid]]), 1000)
    const rate = Math.round(factor * mu)
    const load = startLoad({
      url: mesh.url,
      devices: DEVICES,
      rate,
      batch: BATCH,
      qos: 1,
      seconds: RUN_S,
      devicePrefix: `o${factor}`,
    })
    await load.ready
    await sleep(3000)
    const a = await mesh.probe.nextMetrics('anomaly')
    await sleep((RUN_S - 5) * 1000)
    const b = await mesh.probe.nextMetrics('anomaly')
    const report = await load.done
    const final = await settle(mesh)
    const h = final.hops.raw!
    const broker = mesh.probe.atBroker('anomaly')
    const ha = a.hops.raw!
    const hb = b.hops.raw!
    const arrived = hb.in - ha.in
    const droppedWindow = droppedTotal(hb) - droppedTotal(ha)
    const brokerDroppedSamples = broker.dropped * BATCH
    // Over the steady window: the share of what the service was offered that it did not serve.
    const outWindow = hb.out - ha.out
    const dropRate = arrived > 0 ? droppedWindow / arrived : NaN
    const servedShare = report.samples > 0 ? final.hops.raw!.out / report.samples : NaN
    const residual = identityResidual(final.hops.raw!)
    const e2e = report.samples - (h.in + brokerDroppedSamples + broker.queued * BATCH)
    const usage = monitor.summary()
    const series = monitor.series.get('anomaly') ?? []
    monitor.stop()
    await mesh.stop()
    const offeredRate = report.samples / report.seconds
    const predicted = Math.max(0, 1 - mu / offeredRate)
    rows.push({
      case: `${policy}, ${factor}× μ asked (offered ${Math.round(offeredRate)} samples/s = ${(offeredRate / mu).toFixed(1)}× μ)`,
      value: policy === 'block' ? 1 - servedShare : dropRate,
      unit: 'drop fraction',
      predicted: Math.round(predicted * 1000) / 1000,
      'hop dropped': droppedTotal(h),
      'broker dropped (samples)': brokerDroppedSamples,
      'delivered p99 ms': hb.latency?.p99 ?? NaN,
      'delivered p50 ms': hb.latency?.p50 ?? NaN,
      'out/s': Math.round(outWindow / ((b.t - a.t) / 1000)),
      'in = out + dropped + queued': residual === 0 ? 'holds' : `off by ${residual}`,
      'offered − (in + broker dropped + broker queued)': e2e,
      'rss max MB': Math.round(Math.max(...series.map((p) => p.rssMB))),
      ...procColumns(usage),
    })
    console.log(
      `${policy.padEnd(11)} ${factor}×: offered ${Math.round(report.samples / report.seconds)}/s  hop drop rate ${dropRate.toFixed(3)} (predicted ${predicted.toFixed(3)})  broker dropped ${brokerDroppedSamples}  p99 ${hb.latency?.p99 ?? NaN} ms  identity residual ${residual}  e2e residual ${e2e}  rss ${Math.round(Math.max(...series.map((p) => p.rssMB)))} MB`,
    )
  }
}

// 3. The long run: 3× for LONG_S seconds under the default policy; RSS every 5 s.
{
  const mesh = await anomalyMesh('drop-oldest')
  const pid = mesh.procs.get('anomaly')!.pid
  const monitor = monitorProcesses(
    new Map([
      ['anomaly', pid],
      ['broker', mesh.procs.get('broker')!.pid],
    ]),
    5000,
  )
  const rate = Math.round(3 * mu)
  const load = startLoad({
    url: mesh.url,
    devices: DEVICES,
    rate,
    batch: BATCH,
    qos: 1,
    seconds: LONG_S,
    devicePrefix: 'long',
  })
  await load.ready
  const report = await load.done
  const final = await settle(mesh)
  const h = final.hops.raw!
  const broker = mesh.probe.atBroker('anomaly')
  monitor.stop()
  await mesh.stop()
  const toPoints = (name: string) =>
    (monitor.series.get(name) ?? []).map((p) => ({
      x: Math.round(p.t),
      y: Math.round(p.rssMB * 10) / 10,
    }))
  const series = toPoints('anomaly').map((p) => ({ t: p.x, rssMB: p.y }))
  // Growth: the last minute's mean RSS against the mean of the minute after a 30 s warm-up.
  const win = (from: number, to: number) => {
    const w = series.filter((p) => p.t >= from && p.t < to)
    return w.reduce((x, p) => x + p.rssMB, 0) / Math.max(1, w.length)
  }
  const warm = Math.min(30, LONG_S / 4)
  const early = win(warm, Math.min(warm + 60, LONG_S / 2))
  const late = win(Math.max(LONG_S / 2, LONG_S - 60), LONG_S + 10)
  const growth = (late - early) / early
  const residual = identityResidual(h)
  rows.push({
    case: `3× for ${LONG_S} s (drop-oldest): RSS growth, last minute vs first minute after warm-up`,
    value: growth * 100,
    unit: '%',
    'rss early MB': Math.round(early * 10) / 10,
    'rss late MB': Math.round(late * 10) / 10,
    offered: report.samples,
    'hop in': h.in,
    'hop out': h.out,
    'hop dropped': droppedTotal(h),
    'broker dropped (samples)': broker.dropped * BATCH,
    'in = out + dropped + queued': residual === 0 ? 'holds' : `off by ${residual}`,
    'offered − (in + broker dropped + broker queued)':
      report.samples - (h.in + broker.dropped * BATCH + broker.queued * BATCH),
    // Plotted by run-all.ts (RSS over time): one line per process.
    series: [
      { name: 'anomaly RSS', points: toPoints('anomaly') },
      { name: 'broker RSS', points: toPoints('broker') },
    ],
  })
  console.log(
    `3× for ${LONG_S} s: RSS ${early.toFixed(1)} → ${late.toFixed(1)} MB (${(growth * 100).toFixed(1)} %)  offered ${report.samples}  in ${h.in}  out ${h.out}  dropped ${droppedTotal(h)}  identity residual ${residual}`,
  )
}
await configDir.remove()
writeResult(
  'mesh-overload',
  `node --conditions=sluice-src --import tsx bench/mesh/overload.ts${quick ? ' --quick' : ''}${longIdx >= 0 ? ` --long-s ${LONG_S}` : ''} (services from ${launchMode()})`,
  rows,
)
