/**
 * @module bench/micro/detectors
 * Samples per second of each anomaly detector of `@sluice/stream` on one core, against a plain loop over
 * the same data (the cost of just reading the samples). A detector runs once per sample per sensor in the
 * anomaly service, so this bounds how many sensors × Hz one process can score. The MAD detector is also
 * measured with a 10× larger window, to show its O(log n) growth; the z-score is measured with the
 * debouncer behind it, as the service runs it.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/micro/detectors.ts`
 */
import { createDebouncer, createDetector, createPrng, type DetectorSpec } from '@sluice/stream'
import { opsPerSecond, writeResult, type BenchRow } from '../lib/results.js'

const COMMAND = 'node --conditions=sluice-src --import tsx bench/micro/detectors.ts'
const SAMPLES = 100_000

// Gaussian noise (σ 5 around 100) with a spike every 1000 samples and a 2σ level shift half-way, so the
// detectors take their alert paths too, not only the quiet one.
const prng = createPrng(42)
const data = new Float64Array(SAMPLES)
for (let i = 0; i < SAMPLES; i++) {
  data[i] = 100 + 5 * prng.gaussian() + (i % 1000 === 999 ? 40 : 0) + (i >= SAMPLES / 2 ? 10 : 0)
}

let sink = 0

function baseline(): void {
  let acc = 0
  for (let i = 0; i < SAMPLES; i++) acc += data[i]!
  sink += acc
}

function detectorRun(spec: DetectorSpec, debounce = false): () => void {
  return () => {
    const detector = createDetector(spec)
    const debouncer = debounce ? createDebouncer({ holdoffSamples: 50 }) : undefined
    let alerts = 0
    for (let i = 0; i < SAMPLES; i++) {
      const d = detector.update(i, data[i]!)
      if (debouncer) {
        if (debouncer.push(i, d)) alerts++
      } else if (d.alert === true) alerts++
    }
    sink += alerts
  }
}

/**
 * The z-score behind the learning gate as it was before issue 16: every detection copied by a spread,
 * `{ ...d, likelihood: 0, level: 'normal', alert: false, learning: true }` while learning (its first
 * `LEARN` samples here) and `{ ...d, learning: false }` after. Those two spreads of one detection shape
 * (one overwriting fields, one adding a field) ran about ten times slower than the detector itself here,
 * and were the anomaly service's hottest function in the mesh profile; the gate now builds the object
 * field by field.
 */
function spreadGateRun(spec: DetectorSpec): () => void {
  const LEARN = 100
  return () => {
    const detector = createDetector(spec)
    let alerts = 0
    for (let i = 0; i < SAMPLES; i++) {
      const g = detector.update(i, data[i]!)
      // What a detector returns before the gate (its fields, without `learning`), as the old gate got it.
      const raw = {
        score: g.score,
        likelihood: g.likelihood,
        threshold: g.threshold,
        level: g.level,
        kind: g.kind,
        alert: g.alert,
        baseline: g.baseline,
      }
      const d =
        i < LEARN
          ? { ...raw, likelihood: 0, level: 'normal', alert: false, learning: true }
          : { ...raw, learning: false }
      if (d.alert === true) alerts++
    }
    sink += alerts
  }
}

const cases: readonly { readonly name: string; readonly fn: () => void }[] = [
  { name: 'baseline: plain loop over the samples', fn: baseline },
  { name: 'zscore (window 100)', fn: detectorRun({ name: 'zscore', window: 100 }) },
  {
    name: 'zscore (window 100), gate as before issue 16',
    fn: spreadGateRun({ name: 'zscore', window: 100 }),
  },
  { name: 'zscore (window 100) + debouncer', fn: detectorRun({ name: 'zscore' }, true) },
  { name: 'mad (window 100)', fn: detectorRun({ name: 'mad', window: 100 }) },
  { name: 'mad (window 1000)', fn: detectorRun({ name: 'mad', window: 1000 }) },
  { name: 'ewma', fn: detectorRun({ name: 'ewma' }) },
  { name: 'cusum', fn: detectorRun({ name: 'cusum' }) },
]

const results: BenchRow[] = []
let baselineRate = Number.NaN
for (const { name, fn } of cases) {
  const rate = opsPerSecond(fn, SAMPLES, 1500)
  if (Number.isNaN(baselineRate)) baselineRate = rate
  results.push({
    case: name,
    value: Math.round(rate),
    unit: 'samples/s',
    nsPerSample: Number((1e9 / rate).toFixed(1)),
    slowdownVsBaseline: Number((baselineRate / rate).toFixed(1)),
  })
}

console.log(`detectors: ${SAMPLES} samples per run, one core (${process.version})`)
console.log(
  'case'.padEnd(40),
  'samples/s'.padStart(14),
  'ns/sample'.padStart(10),
  '× baseline'.padStart(11),
)
for (const r of results) {
  console.log(
    r.case.padEnd(40),
    r.value.toLocaleString('en-US').padStart(14),
    String(r.nsPerSample).padStart(10),
    String(r.slowdownVsBaseline).padStart(11),
  )
}
if (sink === Number.NEGATIVE_INFINITY) console.log(sink) // keeps the work observable to the JIT
console.log(`wrote ${writeResult('detectors', COMMAND, results)}`)
