/**
 * @module bench/anomaly/multivariate
 * Cost of the per-device multivariate detector (issue 15 target: ≥ 100 k device-samples/s on one core for
 * 8 channels): `update()` calls per second on a simulated device of d correlated channels (one shared load
 * plus independent noise), for d = 2, 3, 8 and 16, and the retained heap per detector instance. A plain
 * loop that only reads the same rows is the floor.
 *
 * Run: `node --expose-gc --conditions=sluice-src --import tsx bench/anomaly/multivariate.ts`
 */
import { createMultivariateDetector, createPrng } from '@sluice/stream'
import { opsPerSecond, writeResult, type BenchRow } from '../lib/results.js'

const COMMAND =
  'node --expose-gc --conditions=sluice-src --import tsx bench/anomaly/multivariate.ts'
const ROWS = 20_000
const INSTANCES = 200

/** ROWS rows of d channels: channel i = i + (1 + i/d)·load + noise, with a slow sine load. */
function rows(d: number): Float64Array[] {
  const prng = createPrng(42)
  return Array.from({ length: ROWS }, (_, r) => {
    const load = Math.sin((2 * Math.PI * r) / 600) + 0.1 * prng.gaussian()
    return Float64Array.from(
      { length: d },
      (_, i) => i + (1 + i / d) * load + 0.05 * prng.gaussian(),
    )
  })
}

let sink = 0
const gc = (globalThis as { gc?: () => void }).gc
function heapUsed(): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

const results: BenchRow[] = []
console.log(`${'case'.padEnd(34)} ${'device-samples/s'.padStart(18)} ${'B/inst'.padStart(8)}`)
for (const d of [2, 3, 8, 16]) {
  const data = rows(d)
  const floor = opsPerSecond(
    () => {
      let acc = 0
      for (const row of data) acc += row[0]!
      sink += acc
    },
    ROWS,
    300,
  )
  const rate = opsPerSecond(
    () => {
      const det = createMultivariateDetector(d)
      let acc = 0
      for (let r = 0; r < ROWS; r++) acc += det.update(r * 100, data[r]!).score
      sink += acc
    },
    ROWS,
    1500,
  )
  const before = heapUsed()
  const kept = []
  for (let k = 0; k < INSTANCES; k++) {
    const det = createMultivariateDetector(d)
    for (let r = 0; r < 1000; r++) det.update(r * 100, data[r]!)
    kept.push(det)
  }
  const bytes = (heapUsed() - before) / INSTANCES
  sink += kept.length
  results.push({
    case: `multivariate, ${d} channels`,
    value: Math.round(rate),
    unit: 'device-samples/s',
    bytesPerInstance: Math.round(bytes),
    floor: Math.round(floor),
  })
  console.log(
    `${`multivariate, ${d} channels`.padEnd(34)} ${Math.round(rate).toLocaleString('en').padStart(18)} ` +
      Math.round(bytes).toString().padStart(8),
  )
}
if (gc === undefined) console.log('(no --expose-gc: the bytes per instance are noisy)')
const path = writeResult('anomaly-multivariate', COMMAND, results)
console.log(`wrote ${path} (checksum ${sink.toPrecision(3)})`)
