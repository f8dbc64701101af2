/**
 * @module bench/anomaly/nab
 * Cost and quality of every registered anomaly detector on the Numenta Anomaly Benchmark corpus (58 real
 * and artificial series, 365 558 points): samples per second on one core over the whole corpus in stream
 * order (a fresh detector per file, timestamps parsed beforehand, so only `update()` is timed), retained
 * heap per detector instance after it has seen a long series, and the three normalised NAB scores with the
 * threshold optimised over the corpus. The rolling z-score is the baseline the issue asks to beat; a plain
 * loop over the same samples is the floor of the cost.
 *
 * Run: `node --expose-gc --conditions=sluice-src --import tsx bench/anomaly/nab.ts`
 * (the corpus is found at $SLUICE_NAB_DIR or ../shared/datasets/nab).
 */
import { createDetector, detectorNames, type DetectorSpec } from '@sluice/stream'
import { labelCorpus, runDetector, scoreCorpus, timestampMs } from '@sluice/nab'
import { loadCorpus } from '@sluice/nab/files'
import { opsPerSecond, writeResult, type BenchRow } from '../lib/results.js'

const COMMAND = 'node --expose-gc --conditions=sluice-src --import tsx bench/anomaly/nab.ts'
const INSTANCES = 200
/** Points each instance sees before its heap is counted: well past every detector's window. */
const FEED = 5000

const corpus = await loadCorpus()
const labels = labelCorpus(corpus)
const files = corpus.files.map((f) => ({
  t: Float64Array.from(f.timestamps, timestampMs),
  v: f.values,
}))
const points = files.reduce((s, f) => s + f.v.length, 0)
// The longest file (machine temperature) feeds the memory measurement.
const longest = files.reduce((a, b) => (b.v.length > a.v.length ? b : a))

let sink = 0

function plainLoop(): void {
  let acc = 0
  for (const f of files) for (let i = 0; i < f.v.length; i++) acc += f.v[i]!
  sink += acc
}

function corpusRun(spec: DetectorSpec): () => void {
  return () => {
    let acc = 0
    for (const f of files) {
      const detector = createDetector(spec)
      for (let i = 0; i < f.v.length; i++) acc += detector.update(f.t[i]!, f.v[i]!).likelihood
    }
    sink += acc
  }
}

const gc = (globalThis as { gc?: () => void }).gc
function heapUsed(): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

/** Retained bytes per instance: INSTANCES detectors that have each seen FEED points of the longest file. */
function bytesPerInstance(spec: DetectorSpec): number {
  const before = heapUsed()
  const kept = []
  for (let k = 0; k < INSTANCES; k++) {
    const detector = createDetector(spec)
    for (let i = 0; i < FEED; i++) detector.update(longest.t[i]!, longest.v[i]!)
    kept.push(detector)
  }
  const after = heapUsed()
  sink += kept.length
  return (after - before) / INSTANCES
}

const results: BenchRow[] = []
const base = opsPerSecond(plainLoop, points, 500)
results.push({
  case: 'baseline: plain loop over the corpus',
  value: Math.round(base),
  unit: 'samples/s',
})
console.log(
  `${'case'.padEnd(40)} ${'samples/s'.padStart(12)} ${'× z-score'.padStart(10)} ${'B/inst'.padStart(8)}  NAB std / lowFP / lowFN`,
)
console.log(
  `${'baseline: plain loop'.padEnd(40)} ${Math.round(base).toLocaleString('en').padStart(12)}`,
)

let zRate = Number.NaN
// The baseline detector first, so every ratio is against a number measured in this run.
const order = ['zscore', ...detectorNames.filter((n) => n !== 'zscore')]
for (const name of order) {
  const spec = { name } as DetectorSpec
  const rate = opsPerSecond(corpusRun(spec), points, 1500)
  if (name === 'zscore') zRate = rate
  const bytes = bytesPerInstance(spec)
  const scores = corpus.files.map((f) => runDetector(spec, f.timestamps, f.values).scores)
  const nab = scoreCorpus(corpus.profiles, labels, scores, corpus.windowCount)
  const [standard, lowFp, lowFn] = nab.map((r) => Math.round(r.normalized * 100) / 100)
  results.push({
    case: `${name} (defaults)`,
    value: Math.round(rate),
    unit: 'samples/s',
    ratioToZscore: Math.round((rate / zRate) * 100) / 100,
    bytesPerInstance: Math.round(bytes),
    nabStandard: standard,
    nabLowFp: lowFp,
    nabLowFn: lowFn,
    nabThreshold: nab[0]!.threshold,
  })
  console.log(
    `${`${name} (defaults)`.padEnd(40)} ${Math.round(rate).toLocaleString('en').padStart(12)} ` +
      `${(rate / zRate).toFixed(2).padStart(10)} ${Math.round(bytes).toString().padStart(8)}  ` +
      `${standard} / ${lowFp} / ${lowFn} (threshold ${nab[0]!.threshold.toPrecision(4)})`,
  )
}
if (gc === undefined) console.log('(no --expose-gc: the bytes per instance are noisy)')
const path = writeResult('nab', COMMAND, results)
console.log(`wrote ${path} (checksum ${sink.toPrecision(3)})`)
