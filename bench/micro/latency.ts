/**
 * @module bench/micro/latency
 * Nanoseconds per recorded latency of a hop's meter (`createHopMeter(…).recordLatency`), which every
 * inbound hop calls once per sample (DESIGN.md §6), against the HDR histogram it used before issue 16
 * (hdr-histogram-js, pure JavaScript build, two significant digits, 1 µs to 1 h, values clamped and
 * rounded the same way) and against a plain loop over the same values. Both histograms report the same
 * percentiles for the same values (a property test in `libs/stream` holds them equal); only the cost of
 * recording differs.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/micro/latency.ts`
 * Writes `bench/results/latency.json`.
 */
import { createRequire } from 'node:module'
import { createHopMeter, createPrng } from '@sluice/stream'
import { opsPerSecond, writeResult, type BenchRow } from '../lib/results.js'

const COMMAND = 'node --conditions=sluice-src --import tsx bench/micro/latency.ts'
const VALUES = 100_000
const HIGHEST_US = 3_600_000_000

// Latencies as a hop sees them: mostly a few ms, a tail to a few hundred ms.
const prng = createPrng(7)
const values = new Float64Array(VALUES)
for (let i = 0; i < VALUES; i++)
  values[i] = 2 + Math.abs(prng.gaussian()) * (i % 100 === 0 ? 200 : 5)

// hdr-histogram-js is a dev dependency of @sluice/stream (its tests compare against it): load that copy.
const streamRequire = createRequire(new URL('../../libs/stream/package.json', import.meta.url))
const hdrHistogram = streamRequire('hdr-histogram-js') as {
  build: (options: object) => { recordValue(v: number): void; reset(): void; totalCount: number }
}

let sink = 0

function baseline(): void {
  let acc = 0
  for (let i = 0; i < VALUES; i++) acc += Math.round(values[i]! * 1000)
  sink += acc
}

const hdr = hdrHistogram.build({
  useWebAssembly: false,
  bitBucketSize: 32,
  autoResize: false,
  lowestDiscernibleValue: 1,
  highestTrackableValue: HIGHEST_US,
  numberOfSignificantValueDigits: 2,
})
function hdrRecord(): void {
  hdr.reset()
  for (let i = 0; i < VALUES; i++) {
    const us = Math.round(values[i]! * 1000)
    hdr.recordValue(us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : us)
  }
  sink += hdr.totalCount
}

const meter = createHopMeter({ now: 0 })
function meterRecord(): void {
  for (let i = 0; i < VALUES; i++) meter.recordLatency(values[i]!)
  sink += meter.snapshot(1000, { length: 0, capacity: 1, arrived: 0, dropped: 0 }).latency.count
}

const cases: readonly { readonly name: string; readonly fn: () => void }[] = [
  { name: 'baseline: plain loop over the latencies', fn: baseline },
  { name: 'hdr-histogram-js recordValue (before issue 16)', fn: hdrRecord },
  { name: 'hop meter recordLatency (log-linear histogram)', fn: meterRecord },
]

const results: BenchRow[] = cases.map(({ name, fn }) => {
  const rate = opsPerSecond(fn, VALUES, 1500)
  return {
    case: name,
    value: Math.round(rate),
    unit: 'values/s',
    nsPerValue: Number((1e9 / rate).toFixed(1)),
  }
})

console.log(`latency recording: ${VALUES} values per run, one core (${process.version})`)
for (const r of results)
  console.log(
    r.case.padEnd(50),
    r.value.toLocaleString('en-US').padStart(14),
    `${String(r.nsPerValue)} ns`.padStart(10),
  )
if (sink === Number.NEGATIVE_INFINITY) console.log(sink) // keeps the work observable to the JIT
console.log(`wrote ${writeResult('latency', COMMAND, results)}`)
