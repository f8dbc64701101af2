/**
 * @module lab/experiments/backpressure
 * Rate mismatch and backpressure (lab level 1): the simulator through the real bridge publishes at λ
 * samples/s into the windowing service, whose `raw` hop is slowed on purpose to μ = λ/2 samples/s
 * (`--hops.raw.serviceRate`) and holds at most 50 samples. One run per policy measures the drop rate, the
 * queue fill over time against the 80 % and 95 % marks, the latency, Little's L = λW against the measured
 * mean queue length, and, under `block`, where the backlog goes and what the device's rate does. Then the
 * classic question, measured: a queue of 100 with 95 waiting, 10 in and 8 out per second, overflows when?
 */
import { join } from 'node:path'
import { CliUsageError } from '../../errors.js'
import { LabTimeoutError } from '../errors.js'
import type { HopPoint } from '../hop-series.js'
import { hopSeries, summarise } from '../hop-series.js'
import { lineChart, type LineSeries } from '@sluice/plot'
import type { Experiment, LabOutcome, Progress } from '../experiment.js'
import { createLabMesh, sleep, type LabMesh } from '../mesh.js'
import { writeRecording, type RecordedRow } from '../recording.js'
import { round } from '../table.js'
import { steadyDropRate, timeToOverflow } from '../theory.js'

const POLICIES = ['drop-oldest', 'drop-newest', 'sample', 'block'] as const

const defaults = {
  consumerRate: 100,
  factor: 2,
  capacity: 50,
  seconds: 6,
  policies: 'drop-oldest,drop-newest,sample,block',
  overflowCapacity: 100,
  overflowFill: 95,
  overflowIn: 10,
  overflowOut: 8,
}

type Params = typeof defaults

/** One policy's run, as measured. */
export interface PolicyRun {
  readonly policy: string
  readonly lambda: number
  readonly mu: number
  readonly dropRate: number
  readonly expectedDropRate: number
  readonly meanLength: number
  readonly littlesL: number
  readonly p50: number
  readonly p95: number
  /** The bridge's publish rate while it ran (the device's rate). */
  readonly deviceRate: number
  /** Samples published but not yet taken by the consumer's hop when the run ended. */
  readonly backlog: number
  readonly fill: readonly HopPoint[]
}

/** The overflow question, as measured. */
export interface OverflowRun {
  readonly expectedSeconds: number
  readonly fullAfter: number
  readonly firstDropAfter: number
  readonly fill: readonly HopPoint[]
}

const common = ['--logLevel', 'warn', '--metricsIntervalMs', '100']

async function runPolicy(mesh: LabMesh, p: Params, policy: string): Promise<PolicyRun> {
  const id = policy.replace(/[^a-z]/g, '')
  const lambda = p.consumerRate * p.factor
  const t0 = Date.now()
  const consumer = await mesh.start(
    'window',
    `w-${id}`,
    [
      ...common,
      '--hops.raw.queue.capacity',
      String(p.capacity),
      '--hops.raw.queue.policy',
      policy,
      '--hops.raw.serviceRate',
      String(p.consumerRate),
    ],
    { devices: [id] },
  )
  const bridge = await mesh.start('bridge', `b-${id}`, [
    ...common,
    '--mode',
    'sim',
    '--device',
    id,
    '--sim.rateHz',
    String(lambda),
  ])
  const started = (Date.now() - t0) / 1000
  await sleep(p.seconds * 1000)
  // Published but not yet taken by the consumer's hop: at the broker (this subscriber's own queue) or
  // in the TCP buffers between them, once the consumer stops reading its socket.
  const published = mesh.metricsOf('bridge', `b-${id}`).at(-1)?.hops.raw?.out ?? 0
  const taken = mesh.metricsOf('window', `w-${id}`).at(-1)?.hops.raw?.in ?? 0
  const backlog = Math.max(0, published - taken)
  await bridge.stop()
  await consumer.stop()
  const fill = hopSeries(mesh.metricsOf('window', `w-${id}`), 'raw', t0)
  // The first second is the queue filling up: steady state after it.
  const s = summarise(fill, started + 1, started + p.seconds)
  const dev = summarise(
    hopSeries(mesh.metricsOf('bridge', `b-${id}`), 'raw', t0),
    started + 1,
    started + p.seconds,
  )
  return {
    policy,
    lambda: s.lambda,
    mu: s.mu,
    dropRate: s.dropRate,
    // 1 − μ/λ with the rates measured here: a busy machine serves a little under the asked rate.
    expectedDropRate: policy === 'block' ? 0 : steadyDropRate(s.lambda, s.mu),
    meanLength: s.meanLength,
    littlesL: s.littlesL,
    p50: s.p50,
    p95: s.p95,
    deviceRate: dev.lambda,
    backlog,
    fill: fill.filter((f) => f.s >= started && f.s <= started + p.seconds),
  }
}

/** The overflow recording: `fill + 1` samples at once (the consumer takes one at once), then `in`/s. */
function overflowRows(p: Params, t0: number): RecordedRow[] {
  const rows: RecordedRow[] = []
  let seq = 0
  for (let i = 0; i <= p.overflowFill; i++) rows.push({ seq: seq++, t: t0, values: [500] })
  const seconds = (p.overflowCapacity - p.overflowFill) / (p.overflowIn - p.overflowOut) + 2
  for (let k = 1; k <= Math.ceil(seconds * p.overflowIn); k++)
    rows.push({ seq: seq++, t: t0 + (k * 1000) / p.overflowIn, values: [500] })
  return rows
}

async function runOverflow(mesh: LabMesh, p: Params): Promise<OverflowRun> {
  const file = join(mesh.dir, 'overflow.csv')
  const rows = overflowRows(p, 1_700_000_000_000)
  await writeRecording(file, ['light'], rows)
  const t0 = Date.now()
  const consumer = await mesh.start(
    'window',
    'w-overflow',
    [
      '--logLevel',
      'warn',
      '--metricsIntervalMs',
      '50',
      '--hops.raw.queue.capacity',
      String(p.overflowCapacity),
      '--hops.raw.queue.policy',
      'drop-newest',
      '--hops.raw.serviceRate',
      String(p.overflowOut),
    ],
    { devices: ['overflow'] },
  )
  const bridge = await mesh.start('bridge', 'b-overflow', [
    '--logLevel',
    'warn',
    '--mode',
    'replay',
    '--device',
    'overflow',
    '--replay.file',
    file,
    '--replay.time',
    'wall',
  ])
  await sleep(rows[rows.length - 1]!.t - rows[0]!.t + 500)
  await bridge.stop()
  // Stopped without draining what is left: it would take capacity / out seconds.
  await consumer.stop()
  const fill = hopSeries(mesh.metricsOf('window', 'w-overflow'), 'raw', t0)
  const span = (p.overflowCapacity - p.overflowFill) / (p.overflowIn - p.overflowOut) + 1.5
  const burst = fill.find((f) => f.m.in > 0)
  const full = fill.find((f) => f.m.queue.length >= p.overflowCapacity)
  const drop = fill.find((f) => (f.m.dropped.newest ?? 0) > 0)
  if (burst === undefined || full === undefined || drop === undefined)
    throw new LabTimeoutError(
      'the overflow run did not fill its queue: is the machine very busy? Try again.',
    )
  return {
    expectedSeconds: timeToOverflow({
      length: p.overflowFill,
      capacity: p.overflowCapacity,
      netRatePerSecond: p.overflowIn - p.overflowOut,
    }),
    fullAfter: full.s - burst.s,
    firstDropAfter: drop.s - burst.s,
    fill: fill
      .filter((f) => f.s >= burst.s && f.s <= burst.s + span)
      .map((f) => ({ ...f, s: f.s - burst.s })),
  }
}

function fillPlot(p: Params, runs: readonly PolicyRun[]): string {
  const series: LineSeries[] = runs.map((r) => {
    const s0 = r.fill[0]?.s ?? 0
    return { name: r.policy, points: r.fill.map((f) => ({ x: f.s - s0, y: f.m.queue.length })) }
  })
  return lineChart(
    `Queue fill of a hop of ${p.capacity}, ${p.consumerRate * p.factor}/s in, ${p.consumerRate}/s out`,
    'seconds',
    'samples queued',
    series,
    {
      hLines: [
        { y: 0.8 * p.capacity, label: '80 % (warning)' },
        { y: 0.95 * p.capacity, label: '95 % (critical)' },
      ],
    },
  )
}

function overflowPlot(p: Params, o: OverflowRun): string {
  return lineChart(
    `${p.overflowFill} of ${p.overflowCapacity} waiting, ${p.overflowIn}/s in, ${p.overflowOut}/s out`,
    'seconds after the burst',
    'samples queued',
    [
      { name: 'measured', points: o.fill.map((f) => ({ x: f.s, y: f.m.queue.length })) },
      {
        name: 'theory',
        points: [
          { x: 0, y: p.overflowFill },
          { x: o.expectedSeconds, y: p.overflowCapacity },
        ],
      },
    ],
    { yMin: p.overflowFill - 5, hLines: [{ y: p.overflowCapacity, label: 'full' }] },
  )
}

async function run(p: Params, progress: Progress): Promise<LabOutcome> {
  const policies = p.policies.split(',').map((s) => s.trim())
  for (const pol of policies)
    if (!(POLICIES as readonly string[]).includes(pol))
      throw new CliUsageError(
        `--policies: unknown policy "${pol}"; choose from ${POLICIES.join(', ')}`,
      )
  const mesh = await createLabMesh()
  try {
    const runs: PolicyRun[] = []
    for (const policy of policies) {
      progress(
        `${policy}: ${p.consumerRate * p.factor}/s into a hop of ${p.capacity} served at ${p.consumerRate}/s, ${p.seconds} s`,
      )
      runs.push(await runPolicy(mesh, p, policy))
    }
    progress(
      `overflow: ${p.overflowFill} of ${p.overflowCapacity}, ${p.overflowIn}/s in, ${p.overflowOut}/s out`,
    )
    const overflow = await runOverflow(mesh, p)
    const rows = runs.map((r) => [
      r.policy,
      round(r.lambda),
      round(r.mu),
      `${round(r.dropRate * 100)} %`,
      `${round(r.expectedDropRate * 100)} %`,
      round(r.meanLength),
      round(r.littlesL),
      round(r.p50),
      round(r.p95),
      round(r.deviceRate),
      r.backlog,
    ])
    return {
      table: {
        columns: [
          'policy',
          'λ in/s',
          'μ out/s',
          'dropped',
          '1 − μ/λ',
          'mean queue',
          'L=λW',
          'p50 ms',
          'p95 ms',
          'device/s',
          'backlog',
        ],
        rows,
      },
      plots: [
        { file: 'backpressure-fill.svg', svg: fillPlot(p, runs) },
        { file: 'backpressure-overflow.svg', svg: overflowPlot(p, overflow) },
      ],
      notes: [
        `Theory: a full queue fed at λ and served at μ sheds 1 − μ/λ of what arrives, whatever the policy (${round(steadyDropRate(p.consumerRate * p.factor, p.consumerRate) * 100)} % here); the policy only chooses which samples.`,
        "Little's law: the mean queue length equals the throughput times the mean wait (L = λW); compare the two columns.",
        "block drops nothing: the hop stops acknowledging and reading, so what it cannot take waits upstream (backlog: published but not taken, at the broker in this subscriber's own queue or in the TCP buffers on the way) and latency grows with it; a simulated device is not slowed (device/s), a serial device is (its bridge sends R<hz>).",
        `Overflow: ${p.overflowFill} of ${p.overflowCapacity} waiting, ${p.overflowIn} in and ${p.overflowOut} out per second: theory (${p.overflowCapacity} − ${p.overflowFill}) / (${p.overflowIn} − ${p.overflowOut}) = ${round(overflow.expectedSeconds)} s; measured: the first sample refused ${round(overflow.firstDropAfter)} s after the burst (metrics every 50 ms, so ±0.1 s). The queue first touches ${p.overflowCapacity} earlier, after ${round(overflow.fullAfter)} s: samples come and go one at a time, so the length saw-tooths about the straight line of the theory.`,
      ],
      data: {
        runs: runs.map((r) => ({ ...r, fill: undefined })),
        overflow: {
          expectedSeconds: overflow.expectedSeconds,
          fullAfter: overflow.fullAfter,
          firstDropAfter: overflow.firstDropAfter,
        },
      },
    }
  } finally {
    await mesh.close()
  }
}

/** `sluice lab backpressure`. */
export const backpressureExperiment: Experiment<Params> = {
  name: 'backpressure',
  title: 'Rate mismatch and backpressure',
  summary:
    "A producer at twice the consumer's rate through a hop of 50, for each policy: drop rate, queue fill, latency, Little's law, and what block does; then the 95-of-100 overflow question.",
  defaults,
  help: {
    consumerRate: 'samples/s the slowed consumer handles (--hops.raw.serviceRate)',
    factor: 'producer rate as a multiple of the consumer rate',
    capacity: "the consumer hop's queue capacity (samples)",
    seconds: 'seconds per policy',
    policies: 'comma-separated: drop-oldest, drop-newest, sample, block',
    overflowCapacity: 'overflow question: queue capacity',
    overflowFill: 'overflow question: samples waiting at the start',
    overflowIn: 'overflow question: arrivals per second',
    overflowOut: 'overflow question: services per second',
  },
  tryThis: [
    'sluice lab backpressure --factor 1.25      # 20 % over: the drop rate follows 1 − μ/λ',
    'sluice lab backpressure --factor 0.9       # under capacity: the queue stays near empty',
    'sluice lab backpressure --capacity 500     # a bigger queue: same drop rate, more latency',
    'sluice lab backpressure --overflow-in 12   # net +4/s: overflow in half the time',
  ],
  run,
}
