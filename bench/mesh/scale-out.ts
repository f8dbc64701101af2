/**
 * Issue 13's measurements of a group of windowing instances (DESIGN.md §12), every instance its own
 * process on the embedded broker:
 *
 * 1. **Throughput with 1, 2 and 4 instances**, each in its own cgroup v1 CPU quota of the same size (n
 *    instances get n quotas; the broker and the load generator run outside any quota). The benchmark
 *    publisher (`bench/lib/load-gen.ts`: the bridge's exact raw batches, 100 samples each, QoS 1) feeds
 *    `SENSORS` sensors, whose retained registry records it publishes first as the serial bridge does, at
 *    a paced rate above what the instances can take; the raw hop runs with the `block` policy, so an
 *    instance spends its quota on the samples it processes and the excess waits (and is dropped, counted)
 *    at the broker. Throughput = the sum of the instances' raw hop `out` rates from their own metrics;
 *    scaling efficiency = throughput(n) / throughput(1) (issue 13's target: 2 instances ≥ 1.8×).
 * 2. **Rebalance** with 100, 1 000 and 10 000 sensors: one instance (no quota) takes every sensor and is
 *    fed until every sensor has state; a second one joins. Settled = both report the same generation and
 *    two members, their owned counts add up to the sensor count (no sensor owned twice, none unowned),
 *    and every unit the first gave up has arrived at the second (handovers sent = received + fresh). The
 *    handover messages are counted and their bytes summed by a plain subscriber on
 *    `{p}/_sys/windowing/+/handover/+`. Then the graceful leave: SIGTERM of the first instance, until
 *    the second owns everything alone.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/scale-out.ts [--quick]` (as root, for the
 * cgroups). Writes `bench/results/mesh-scale-out.json`.
 */
import { loadavg } from 'node:os'
import { encodeText, sensorsTopic } from '@sluice/contract'
import { freePort } from '@sluice/testkit'
import mqtt from 'mqtt'
import { cpuQuotaSupport, createCpuQuota, type CpuQuota } from '../lib/cgroup.js'
import { startGroupProbe, type InstanceMetrics } from '../lib/group-probe.js'
import { serviceHopDelta } from '../lib/hops.js'
import { startLoad, type RunningLoad } from '../lib/load.js'
import {
  launchMode,
  monitorProcesses,
  procColumns,
  sleep,
  startService,
  waitForPort,
  type BenchProcess,
} from '../lib/procs.js'
import { median, writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
const PREFIX = 'sluice'
const GROUP = 'scale'
/** Sensors fed in the throughput runs. */
const SENSORS = quick ? 200 : 500
const INSTANCE_COUNTS = quick ? [1, 2] : [1, 2, 4]
/**
 * Each instance's CPU quota, in cores (`--quota 0.25` to change it). At 0.1, 4 instances take 0.4 of the
 * 2 cores and what they can process (≈ 4 × 50 000 samples/s) stays within what the broker and the
 * publisher, outside any quota, can move with the remaining 1.6 cores; at 0.25 a quota'd instance
 * takes ≈ 130 000 samples/s and 4 of them would need more than the publisher and broker can offer here.
 */
const QUOTA_CORES = Number(argValue('--quota') ?? 0.1)
/**
 * Offered samples/s per instance, well above what one quota'd instance takes (≈ 30 000–45 000 at 0.1
 * core), so that every group size is saturated: an offer derived from one instance's capacity was not
 * enough, since an instance of a larger group takes more per CPU-second than a lone one (see the note).
 */
const OFFER_PER_INSTANCE = Math.round(QUOTA_CORES * 600_000)
const WARMUP_S = quick ? 5 : 8
const MEASURE_S = quick ? 6 : 12
const REPEATS = quick ? 1 : 3
const REBALANCE_SENSORS = quick ? [100, 1000] : [100, 1000, 10_000]

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag)
  return i < 0 ? undefined : process.argv[i + 1]
}

const rows: BenchRow[] = []
const support = cpuQuotaSupport()
const quotaNote = support.ok
  ? `${support.mechanism}, ${QUOTA_CORES * 100_000}/100000 µs = ${QUOTA_CORES} core per instance`
  : `NO CPU QUOTA (${support.reason}): instances share the cores freely`
console.log(`quota: ${quotaNote}`)

const quotas: CpuQuota[] = []
const running = new Set<BenchProcess>()
let load: RunningLoad | undefined

/** Ends whatever is still running and removes the cgroups (also after a failure). */
async function cleanUp(): Promise<void> {
  if (load !== undefined) await load.stop().catch(() => undefined)
  load = undefined
  for (const p of [...running].reverse()) await p.stop(10_000)
  running.clear()
  for (const q of quotas.splice(0)) {
    try {
      q.remove()
    } catch (err) {
      console.error(`could not remove ${q.path}: ${(err as Error).message}`)
    }
  }
}

// An interrupted run still ends its processes and removes its cgroups.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130))
  })
}

async function startBroker(): Promise<string> {
  const port = await freePort()
  const broker = startService('broker', 'broker', ['--port', String(port)])
  running.add(broker)
  await waitForPort(port)
  return `mqtt://127.0.0.1:${port}`
}

/** The retained registry records of devices `load-1…load-n` (one channel each), as the bridge's. */
async function announce(url: string, n: number): Promise<void> {
  // The broker's ACL lets only the bridge's role publish under `{p}/_sys/serial-bridge/{instance}/#`:
  // an anonymous client on loopback gets it by naming itself `sluice-serial-bridge-<instance>`.
  const c = await mqtt.connectAsync(url, { clientId: 'sluice-serial-bridge-bench' })
  for (let from = 1; from <= n; from += 500) {
    const batch: Promise<unknown>[] = []
    for (let d = from; d < Math.min(n + 1, from + 500); d++) {
      const device = `load-${d}`
      batch.push(
        c.publishAsync(
          sensorsTopic(PREFIX, 'serial-bridge', 'bench', device),
          encodeText({ device, channels: ['light'], t: Date.now() }),
          { qos: 1, retain: true },
        ),
      )
    }
    await Promise.all(batch)
  }
  await c.endAsync()
}

function startInstance(
  url: string,
  instance: string,
  extra: readonly string[],
  quota: boolean,
): BenchProcess {
  const p = startService(instance, 'windowing', [
    '--broker',
    url,
    '--logLevel',
    'warn',
    '--instance',
    instance,
    '--group',
    GROUP,
    ...extra,
  ])
  running.add(p)
  if (quota && support.ok) {
    const q = createCpuQuota(`sluice-bench-${instance}`, QUOTA_CORES)
    quotas.push(q)
    q.add(p.pid)
  }
  return p
}

const owned = (m: InstanceMetrics | undefined): number => m?.group?.owned ?? 0

// ---------------------------------------------------------------- 1. throughput with n instances
let capacity1 = 0
/** Measured group throughput per instance count, one value per repetition. */
const measured = new Map<number, number[]>()
const runs = Array.from({ length: REPEATS }, (_, r) =>
  INSTANCE_COUNTS.map((n) => [r + 1, n] as const),
).flat()
try {
  for (const [rep, n] of runs) {
    const url = await startBroker()
    const probe = await startGroupProbe(url, 'windowing', PREFIX)
    await announce(url, SENSORS)
    const names = Array.from({ length: n }, (_, i) => `w${i + 1}`)
    const procs = names.map((name) =>
      startInstance(
        url,
        name,
        ['--metricsIntervalMs', '500', '--hops.raw.queue.policy', 'block'],
        true,
      ),
    )
    await probe.waitFor(
      () =>
        names.every((i) => probe.metrics.get(i)?.group?.members.length === n) &&
        names.reduce((a, i) => a + owned(probe.metrics.get(i)), 0) === SENSORS,
      60_000,
      `${n} instances owning the ${SENSORS} sensors`,
    )
    // What an instance costs with no load at all (timers, metrics, group ticks), out of its quota.
    const idleMonitor = monitorProcesses(new Map(procs.map((p) => [p.name, p.pid] as const)), 500)
    await sleep(3000)
    const idleUsage = idleMonitor.summary()
    idleMonitor.stop()
    const idleCpu =
      names.reduce((x, i) => x + (idleUsage.get(i)?.cpuPercent ?? 0), 0) / names.length
    const offered = n * OFFER_PER_INSTANCE
    load = startLoad({
      url,
      devices: SENSORS,
      rate: offered,
      batch: 100,
      qos: 1,
      seconds: WARMUP_S + MEASURE_S + 4,
      inflight: 64,
    })
    await load.ready
    const monitor = monitorProcesses(
      new Map([
        ['broker', [...running].find((p) => p.name === 'broker')!.pid],
        ['load-gen', load.proc.pid],
        ...procs.map((p) => [p.name, p.pid] as const),
      ]),
    )
    await sleep(WARMUP_S * 1000)
    const a = new Map(names.map((i) => [i, probe.metrics.get(i)]))
    const throttleA = quotas.map((q) => q.stat())
    monitor.mark()
    await sleep(MEASURE_S * 1000)
    const b = new Map(names.map((i) => [i, probe.metrics.get(i)]))
    const throttleB = quotas.map((q) => q.stat())
    const usage = monitor.summary()
    monitor.stop()
    const perInstance = names.map((i) => serviceHopDelta(a.get(i), b.get(i), 'raw').outRate)
    const total = perInstance.reduce((x, y) => x + y, 0)
    if (n === 1) capacity1 = total
    measured.set(n, [...(measured.get(n) ?? []), total])
    const report = await load.done
    load = undefined
    const throttledShare =
      throttleA.length === 0
        ? NaN
        : throttleB.reduce((x, s, i) => x + (s.throttled - throttleA[i]!.throttled), 0) /
          Math.max(
            1,
            throttleB.reduce((x, s, i) => x + (s.periods - throttleA[i]!.periods), 0),
          )
    const instCpu = names.reduce((x, i) => x + (usage.get(i)?.cpuPercent ?? 0), 0)
    const row: BenchRow = {
      case: `run ${rep}: ${n} windowing instance${n > 1 ? 's' : ''}, ${SENSORS} sensors`,
      value: Math.round(total),
      unit: 'samples/s',
      efficiency: Number((total / (n * capacity1)).toFixed(3)),
      speedup: Number((total / capacity1).toFixed(3)),
      offered,
      published: Math.round(report.samples / report.seconds),
      perInstance: perInstance.map((r) => Math.round(r)).join(' / '),
      owned: names.map((i) => owned(probe.metrics.get(i))).join(' / '),
      quota: support.ok ? `${n} × ${QUOTA_CORES} core` : 'none',
      'instances cpu%': Math.round(instCpu),
      'idle cpu% per instance': Number(idleCpu.toFixed(1)),
      'throttled periods': Number.isFinite(throttledShare)
        ? `${Math.round(100 * throttledShare)}%`
        : 'n/a',
      ...procColumns(new Map([...usage].filter(([k]) => k === 'broker' || k === 'load-gen'))),
    }
    rows.push(row)
    console.log(JSON.stringify(row))
    await probe.close()
    await cleanUp()
  }

  // The runs vary (CFS bandwidth at 10 ms per 100 ms period, and two cores shared with other work):
  // the summary takes the median of each instance count's runs.
  const base = median(measured.get(1) ?? [NaN])
  for (const n of INSTANCE_COUNTS) {
    const xs = measured.get(n) ?? []
    rows.push({
      case: `${n} windowing instance${n > 1 ? 's' : ''}, ${SENSORS} sensors (median of ${xs.length})`,
      value: Math.round(median(xs)),
      unit: 'samples/s',
      speedup: Number((median(xs) / base).toFixed(2)),
      efficiency: Number((median(xs) / (n * base)).toFixed(2)),
      runs: xs.map((x) => Math.round(x)).join(' / '),
      quota: support.ok ? `${n} × ${QUOTA_CORES} core` : 'none',
    })
    console.log(JSON.stringify(rows.at(-1)))
  }

  // ---------------------------------------------------------------- 2. rebalance: join and leave
  for (const sensors of REBALANCE_SENSORS) {
    const url = await startBroker()
    const probe = await startGroupProbe(url, 'windowing', PREFIX)
    await announce(url, sensors)
    const fast = ['--metricsIntervalMs', '200']
    const w1 = startInstance(url, 'w1', fast, false)
    await probe.waitFor(
      () => owned(probe.metrics.get('w1')) === sensors,
      60_000,
      `w1 owning ${sensors}`,
    )
    // 10 Hz per sensor, at most 20 000 samples/s in all; batches of 10.
    const rate = Math.min(sensors * 10, 20_000)
    load = startLoad({ url, devices: sensors, rate, batch: 10, qos: 1, seconds: 900 })
    await load.ready
    // Long enough for every sensor to have had a few batches (state to move).
    await sleep(Math.max(4000, ((3 * sensors * 10) / rate) * 1000))

    /**
     * Watches a move until it is over: `owned` once both sides agree on the members and the owned
     * counts add up to the sensors, `done` once every unit given up has arrived (with its state or,
     * after the handover timeout, fresh). Meanwhile it tracks the longest time `watched`'s raw hop
     * received nothing although the publisher kept sending: a stall of the data path.
     */
    const watchMove = async (
      isOwned: () => boolean,
      isDone: () => boolean,
      watched: string,
      what: string,
    ): Promise<{ owned: number; done: number; stallMs: number }> => {
      const start = Date.now()
      let ownedAt = NaN
      let lastIn = probe.metrics.get(watched)?.hops.raw?.in ?? 0
      let lastChange = start
      let stallMs = 0
      const doneAt = await probe
        .waitFor(
          () => {
            const now = Date.now()
            const m = probe.metrics.get(watched)
            if (m !== undefined && m.at > start) {
              const inNow = m.hops.raw?.in ?? 0
              if (inNow !== lastIn) {
                stallMs = Math.max(stallMs, m.at - lastChange)
                lastIn = inNow
                lastChange = m.at
              }
            }
            if (Number.isNaN(ownedAt) && isOwned()) ownedAt = now
            return !Number.isNaN(ownedAt) && isDone()
          },
          60_000,
          what,
        )
        .catch((err: unknown) => {
          console.error(String(err))
          for (const [i, m] of probe.metrics) console.error(i, JSON.stringify(m.group))
          return NaN
        })
      return { owned: ownedAt - start, done: doneAt - start, stallMs }
    }

    probe.resetHandovers()
    const joinAt = Date.now()
    startInstance(url, 'w2', fast, false)
    const g = (i: string) => {
      const m = probe.metrics.get(i)
      return m !== undefined && m.at > joinAt ? m.group : undefined
    }
    const join = await watchMove(
      () => {
        const g1 = g('w1')
        const g2 = g('w2')
        // Generations are counted by each instance (a joiner's first list is its generation 1), so
        // "the same generation" is read as the same applied member list.
        return (
          g1 !== undefined &&
          g2 !== undefined &&
          g1.members.length === 2 &&
          g2.members.length === 2 &&
          g1.owned + g2.owned === sensors
        )
      },
      () => {
        const g1 = g('w1')
        const g2 = g('w2')
        return (
          g1 !== undefined &&
          g2 !== undefined &&
          g1.handovers.sent === sensors - g1.owned &&
          g2.handovers.received + g2.handovers.fresh >= g1.handovers.sent
        )
      },
      'w1',
      `the join of w2 with ${sensors} sensors to settle`,
    )
    const m1 = probe.metrics.get('w1')!.group!
    const m2 = probe.metrics.get('w2')?.group
    if (m2 === undefined) {
      // The joiner never said it had started (its start waits until it has taken its share).
      rows.push({
        case: `join: 2nd instance, ${sensors} sensors`,
        value: NaN,
        unit: 'ms',
        note: `the joiner published no metrics within 60 s; the first instance still reported generation ${m1.generation} with ${m1.members.length} member(s) and owned ${m1.owned}`,
        'longest raw stall of w1 ms': join.stallMs,
      })
      console.log(JSON.stringify(rows.at(-1)))
      await probe.close()
      await cleanUp()
      continue
    }
    const online2 = probe.onlineAt.get('w2')
    const joinTraffic = { ...probe.handovers }
    rows.push({
      case: `join: 2nd instance, ${sensors} sensors`,
      value: join.owned,
      unit: 'ms',
      'all moved ms': join.done,
      'joiner online → owned ms': online2 === undefined ? 'n/a' : joinAt + join.owned - online2,
      lastHandoverMs: m2.lastHandoverMs ?? 'n/a',
      moved: m1.handovers.sent,
      received: m2.handovers.received,
      fresh: m2.handovers.fresh,
      owned: `${m1.owned} / ${m2.owned}`,
      generations: `${m1.generation} / ${m2.generation}`,
      handoverMessages: joinTraffic.messages,
      handoverBytes: joinTraffic.bytes,
      'bytes/sensor moved':
        joinTraffic.messages > 0 ? Math.round(joinTraffic.bytes / joinTraffic.messages) : 0,
      largestMessage: joinTraffic.largest,
      'longest raw stall of w1 ms': join.stallMs,
      overlap: m2.overlap,
      lost: m1.lost + m2.lost,
    })
    console.log(JSON.stringify(rows.at(-1)))

    await sleep(3000)
    probe.resetHandovers()
    const before2 = probe.metrics.get('w2')!.group!
    const leaveAt = Date.now()
    const exitCode = w1.stop(30_000).then((code) => ({ code, at: Date.now() }))
    const g2After = () => {
      const m = probe.metrics.get('w2')
      return m !== undefined && m.at > leaveAt ? m.group : undefined
    }
    const leave = await watchMove(
      () => {
        const x = g2After()
        return x !== undefined && x.members.length === 1 && x.owned === sensors
      },
      () => {
        const x = g2After()
        return (
          x !== undefined &&
          x.handovers.received +
            x.handovers.fresh -
            before2.handovers.received -
            before2.handovers.fresh >=
            m1.owned
        )
      },
      'w2',
      `the leave of w1 with ${sensors} sensors to settle`,
    )
    const exited = await exitCode
    running.delete(w1)
    const after2 = probe.metrics.get('w2')!
    const ga = after2.group!
    rows.push({
      case: `leave: SIGTERM of 1 of 2, ${sensors} sensors`,
      value: leave.owned,
      unit: 'ms',
      'all moved ms': leave.done,
      'leaver exit ms': exited.at - leaveAt,
      'leaver exit code': exited.code,
      lastHandoverMs: ga.lastHandoverMs ?? 'n/a',
      moved: m1.owned,
      received: ga.handovers.received - before2.handovers.received,
      fresh: ga.handovers.fresh - before2.handovers.fresh,
      owned: `${ga.owned}`,
      handoverMessages: probe.handovers.messages,
      handoverBytes: probe.handovers.bytes,
      'bytes/sensor moved':
        probe.handovers.messages > 0
          ? Math.round(probe.handovers.bytes / probe.handovers.messages)
          : 0,
      largestMessage: probe.handovers.largest,
      'longest raw stall of w2 ms': leave.stallMs,
      overlap: ga.overlap - before2.overlap,
      lost: ga.lost - before2.lost,
      'raw gaps (w2, whole run)': after2.hops.raw?.gaps ?? 'n/a',
      'unexplained loss (w2)': after2.hops.raw?.unexplainedLoss ?? 'n/a',
    })
    console.log(JSON.stringify(rows.at(-1)))
    await probe.close()
    await cleanUp()
  }
} catch (err) {
  // A failed case still leaves what was measured before it in the results, with the reason.
  console.error(err)
  rows.push({ case: `run aborted: ${String(err)}`, value: NaN, unit: '' })
} finally {
  await cleanUp()
}

writeResult(
  'mesh-scale-out',
  `node --conditions=sluice-src --import tsx bench/mesh/scale-out.ts${quick ? ' --quick' : ''} (windowing from ${launchMode()}; ${quotaNote}; broker and publisher without quota; load average before writing ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')})`,
  rows,
)
console.log('wrote bench/results/mesh-scale-out.json')
