/**
 * @module bench/anomaly/seasonal
 * Cost of the residual tests (issue 15) in the anomaly service's default detector: `update()` calls per
 * second of the default z-score without them, with `seasonal`, and with `seasonal` and `level` (the default)
 * on `sluice up`'s light channel (a 60 s sine at 10 Hz plus noise), the retained heap per instance, and the
 * size of its handover state (JSON).
 *
 * Run: `node --expose-gc --conditions=sluice-src --import tsx bench/anomaly/seasonal.ts`
 */
import { createDetector, createPrng } from '@sluice/stream'
import { opsPerSecond } from '../lib/results.js'

const ROWS = 20_000
const INSTANCES = 200
const prng = createPrng(42)
const xs = Float64Array.from(
  { length: ROWS },
  (_, i) => 500 + 100 * Math.sin((2 * Math.PI * i) / 600) + 5 * prng.gaussian(),
)
const make = (seasonal: boolean, level: boolean) =>
  createDetector({
    name: 'zscore',
    window: 50,
    stepFloor: true,
    seasonal,
    level,
    thresholds: { unusual: 4, veryUnusual: 8, alert: 6 },
  })
const cases = [
  ['zscore (before)', false, false],
  ['zscore + seasonal', true, false],
  ['+ level (default)', true, true],
] as const

let sink = 0
const gc = (globalThis as { gc?: () => void }).gc
function heapUsed(): number {
  gc?.()
  gc?.()
  // Typed arrays keep their bytes outside the JS heap.
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

console.log(`${'case'.padEnd(26)} ${'samples/s'.padStart(12)} ${'B/inst'.padStart(8)} state bytes`)
for (const [name, seasonal, level] of cases) {
  const rate = opsPerSecond(
    () => {
      const det = make(seasonal, level)
      let acc = 0
      for (let i = 0; i < ROWS; i++) acc += det.update(i * 100, xs[i]!).score
      sink += acc
    },
    ROWS,
    1500,
  )
  const before = heapUsed()
  const kept = []
  for (let k = 0; k < INSTANCES; k++) {
    const det = make(seasonal, level)
    for (let i = 0; i < 3000; i++) det.update(i * 100, xs[i]!)
    kept.push(det)
  }
  const bytes = (heapUsed() - before) / INSTANCES
  const state = JSON.stringify(kept[0]!.snapshot()).length
  sink += kept.length
  console.log(
    `${name.padEnd(26)} ${Math.round(rate).toLocaleString('en').padStart(12)} ` +
      `${Math.round(bytes).toString().padStart(8)} ${state}`,
  )
}
if (sink === 42) console.log('')
