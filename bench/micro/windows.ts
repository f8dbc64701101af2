/**
 * Microbenchmark of the window operators of `@sluice/stream` (DESIGN.md §7, §13): samples per second on one
 * core for each window kind, next to two baselines measured in the same run — a plain loop summing the
 * values (the floor: what touching each sample costs) and a naive recomputation of a size-1000 sliding
 * window (what incremental statistics save). It also compares the cost per sample of a sliding count window
 * of size 10 000 with one of size 10, which O(1) amortised statistics should keep close.
 *
 * Rates are medians of several runs, by CPU time of the process (GC included), which stays meaningful when
 * other processes share the cores; wall-clock rates are recorded next to them.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/micro/windows.ts [--samples 1000000] [--runs 7]`
 * Writes `bench/results/windows.json`; `bench/micro/windows.md` is the note shown with it. Numbers, never
 * assertions.
 */
import {
  batchStats,
  createWindow,
  SlidingStats,
  type Sample,
  type WindowAggregate,
  type WindowSpec,
} from '@sluice/stream'
import { median, writeResult, type BenchRow } from '../lib/results.js'

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : undefined
  return raw === undefined ? fallback : Number(raw)
}

const SAMPLES = argument('samples', 1_000_000)
const RUNS = argument('runs', 7)

/** xorshift32, so every run sees the same stream. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 0x1_0000_0000
  }
}

/**
 * A 1 kHz sensor: a sine with noise and rare spikes, event time 1 ms apart. With `disorder`, that fraction
 * of samples arrives up to `maxLag` ms behind the latest event time.
 */
function makeStream(n: number, disorder = 0, maxLag = 0): Sample[] {
  const random = prng(42)
  const t0 = 1_732_480_000_000
  const out: Sample[] = new Array<Sample>(n)
  for (let i = 0; i < n; i++) {
    const spike = random() < 0.001 ? 50 : 0
    const lag = disorder > 0 && random() < disorder ? Math.floor(random() * maxLag) : 0
    const t = t0 + i - lag
    out[i] = {
      seq: i,
      t,
      value: 20 + 5 * Math.sin(i / 500) + random() - 0.5 + spike,
      ingest: t0 + i + 0.3,
    }
  }
  return out
}

/** Keeps every emitted aggregate observable so that the JIT cannot drop the work. */
let sink = 0
let emitted = 0
const emit = (a: WindowAggregate): void => {
  sink += a.mean + a.std + a.min + a.max
  emitted++
}

interface Result {
  readonly name: string
  /** Median over the runs, by CPU time of this process (robust to other processes sharing the core). */
  readonly samplesPerSecond: number
  readonly nsPerSample: number
  /** Median over the runs, by wall-clock time. */
  readonly wallSamplesPerSecond: number
  readonly emittedPerRun: number
}

/**
 * Median samples/s over `runs` timed runs of `body`, after one untimed warm-up run. Rates are taken both
 * by CPU time (user + system of this process, so GC work counts) and by wall-clock time; on a busy machine
 * the CPU-time rate is the one to compare.
 */
function measure(name: string, samples: number, runs: number, body: () => void): Result {
  body()
  const cpuRates: number[] = []
  const wallRates: number[] = []
  let emittedPerRun = 0
  for (let r = 0; r < runs; r++) {
    const before = emitted
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    body()
    const wallNs = Number(process.hrtime.bigint() - t0)
    const cpu = process.cpuUsage(cpu0)
    emittedPerRun = emitted - before
    cpuRates.push(samples / ((cpu.user + cpu.system) / 1e6))
    wallRates.push(samples / (wallNs / 1e9))
  }
  const rate = median(cpuRates)
  return {
    name,
    samplesPerSecond: rate,
    nsPerSample: 1e9 / rate,
    wallSamplesPerSecond: median(wallRates),
    emittedPerRun,
  }
}

function windowBody(spec: WindowSpec, stream: readonly Sample[]): () => void {
  return () => {
    const op = createWindow('bench', spec)
    for (let i = 0; i < stream.length; i++) op.push(stream[i]!, emit)
    op.flush(emit)
  }
}

const stream = makeStream(SAMPLES)
const disordered = makeStream(SAMPLES, 0.05, 150)
const results: Result[] = []
const run = (name: string, spec: WindowSpec, data: readonly Sample[] = stream) =>
  results.push(measure(name, data.length, RUNS, windowBody(spec, data)))

// Floor: touch each sample once.
results.push(
  measure('floor: plain loop summing values', SAMPLES, RUNS, () => {
    let s = 0
    for (let i = 0; i < stream.length; i++) s += stream[i]!.value
    sink += s
  }),
)

run('count sliding size 1000 stride 1', { type: 'count', size: 1000, stride: 1 })
run('count sliding size 10 stride 1', { type: 'count', size: 10, stride: 1 })
run('count sliding size 10000 stride 1', { type: 'count', size: 10_000, stride: 1 })
run('count hopping size 1000 stride 250', { type: 'count', size: 1000, stride: 250 })
run('count tumbling size 1000', { type: 'count', size: 1000, stride: 1000 })

// The statistics alone, without building and emitting an aggregate object per sample.
results.push(
  measure('SlidingStats 1000: push + compute, no aggregate', SAMPLES, RUNS, () => {
    const s = new SlidingStats(1000)
    for (let i = 0; i < stream.length; i++) {
      const x = stream[i]!
      s.push(x.seq, x.t, x.value, x.ingest)
      s.compute()
      sink += s.mean + s.m2 + s.min + s.max
    }
  }),
)

run('time tumbling 1 s (1000 samples/window)', {
  type: 'time',
  length: 1000,
  every: 1000,
  allowedLateness: 0,
})
run('time hopping 10 s every 1 s', {
  type: 'time',
  length: 10_000,
  every: 1000,
  allowedLateness: 0,
})
run('time sliding 1 s every 1 ms', { type: 'time', length: 1000, every: 1, allowedLateness: 0 })
run(
  'time hopping 10 s every 1 s, 5% out of order ≤150 ms, lateness 200 ms',
  { type: 'time', length: 10_000, every: 1000, allowedLateness: 200 },
  disordered,
)
run('session gap 5 ms, max 2 s', { type: 'session', gap: 5, maxDuration: 2000 })

// Naive: recompute a size-1000 window from scratch for every sample (O(size) each); fewer samples.
const NAIVE_SAMPLES = Math.min(SAMPLES, 100_000)
results.push(
  measure('naive recomputation size 1000 stride 1', NAIVE_SAMPLES, Math.min(RUNS, 3), () => {
    const values = new Float64Array(NAIVE_SAMPLES)
    for (let i = 0; i < NAIVE_SAMPLES; i++) {
      values[i] = stream[i]!.value
      if (i + 1 >= 1000) {
        const b = batchStats(values, i + 1 - 1000, i + 1)
        emit({
          window: 'naive',
          kind: 'sliding',
          start: stream[i - 999]!.t,
          end: stream[i]!.t,
          count: b.count,
          mean: b.mean,
          std: b.std,
          min: b.min,
          max: b.max,
          first: values[i - 999]!,
          last: values[i]!,
          seqFrom: stream[i - 999]!.seq,
          seqTo: stream[i]!.seq,
          late: 0,
          ingestMax: stream[i]!.ingest,
        })
      }
    }
  }),
)

const floor = results[0]!
const byName = (name: string) => results.find((r) => r.name === name)!
const size10 = byName('count sliding size 10 stride 1')
const size10k = byName('count sliding size 10000 stride 1')
const size1k = byName('count sliding size 1000 stride 1')
const naive = byName('naive recomputation size 1000 stride 1')

const fmt = (x: number, digits = 2) => x.toFixed(digits)
const rows: BenchRow[] = results.map((r) => ({
  case: r.name,
  value: Math.round(r.samplesPerSecond),
  unit: 'samples/s',
  nsPerSample: Number(r.nsPerSample.toFixed(1)),
  xFloor: Number((r.nsPerSample / floor.nsPerSample).toFixed(1)),
  wallSamplesPerSecond: Math.round(r.wallSamplesPerSecond),
  aggregatesPerRun: r.emittedPerRun,
}))
console.log(
  `windows: node ${process.version}, ${SAMPLES} samples per run, median of ${RUNS} runs\n`,
)
console.log(
  '| case | samples/s (CPU) | ns/sample (CPU) | × floor | samples/s (wall) | aggregates/run |',
)
console.log('|---|---:|---:|---:|---:|---:|')
for (const r of results) {
  console.log(
    `| ${r.name} | ${fmt(r.samplesPerSecond / 1e6)} M | ${fmt(r.nsPerSample, 1)} | ` +
      `${fmt(r.nsPerSample / floor.nsPerSample, 1)} | ${fmt(r.wallSamplesPerSecond / 1e6)} M | ` +
      `${r.emittedPerRun} |`,
  )
}
console.log('')
console.log(
  `- size 10 000 vs size 10, cost per sample: ${fmt(size10k.nsPerSample / size10.nsPerSample)}× (target ≤ 1.5×)`,
)
console.log(`- size 1000 sliding: ${fmt(size1k.samplesPerSecond / 1e6)} M samples/s (target ≥ 5 M)`)
console.log(
  `- incremental vs naive at size 1000: ${fmt(naive.nsPerSample / size1k.nsPerSample, 0)}× less per sample`,
)
if (sink === Number.NEGATIVE_INFINITY) console.log(sink) // keeps the work observable to the JIT
const command = `node --conditions=sluice-src --import tsx bench/micro/windows.ts --samples ${SAMPLES} --runs ${RUNS}`
console.log(`wrote ${writeResult('windows', command, rows)}`)
