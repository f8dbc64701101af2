/**
 * Microbenchmark of the raw-sample codec of `@sluice/contract` (DESIGN.md §4): every consumer decodes
 * each raw message with `decodeRawSamples`, at 100k+ samples/s, so the check must cost little beside
 * `JSON.parse` itself. Samples per second, from bytes (a `Uint8Array`, as MQTT delivers) to `Sample[]`:
 * - baseline: `TextDecoder` + `JSON.parse` alone, no validation (the floor any JSON codec pays);
 * - `decodeRawSamples` on a 100-sample batch and on a lone sample (hand-written checks);
 * - the same batch checked by TypeBox's compiled checker (`TypeCompiler.Compile(RawBatchSchema)`), the
 *   alternative we did not take, then unpacked the same way;
 * - `encode(toRawBatch(samples))` for the producer side.
 *
 * Rates are medians of several runs by CPU time of this process (GC included). Run:
 * `node --conditions=sluice-src --import tsx bench/contract/codec.ts [--runs 5] [--messages 20000]`
 * Writes `bench/results/codec.json`; `bench/contract/codec.md` is the note shown with it.
 */
import { createRequire } from 'node:module'
import {
  RawBatchSchema,
  decodeRawSamples,
  encode,
  toRawBatch,
  type RawBatch,
} from '@sluice/contract'
import type { Sample } from '@sluice/stream'
import { median, writeResult, type BenchRow } from '../lib/results.js'

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : undefined
  return raw === undefined ? fallback : Number(raw)
}

const RUNS = argument('runs', 5)
const MESSAGES = argument('messages', 20_000)
const BATCH = 100

// As the bridge publishes them: times to the microsecond (epochMs), values as a sensor prints them.
const samples: Sample[] = Array.from({ length: BATCH }, (_, i) => ({
  seq: 1_000_000 + i,
  t: 1732480000000 + i * 10 + 0.125,
  value: Math.round(450 + Math.sin(i) * 20),
  ingest: 1732480000000 + i * 10 + 0.937,
}))
// Values at full precision (17 digits), as a producer that does not round writes them.
const fullSamples: Sample[] = samples.map((s, i) => ({ ...s, value: 450 + Math.sin(i) * 20 }))
const batchBytes = encode(toRawBatch(samples))
const fullBytes = encode(toRawBatch(fullSamples))
const sampleBytes = encode(samples[0]!)
/** The same bytes after a space, which JSON allows and the fast path leaves to JSON.parse. */
const jsonPath = (bytes: Uint8Array): Uint8Array => new Uint8Array([0x20, ...bytes])
const batchJsonPath = jsonPath(batchBytes)
const fullJsonPath = jsonPath(fullBytes)

/** Median samples/s of `fn`, which handles `samples` samples, by process CPU time. */
function measure(fn: () => number, samplesPerCall: number): number {
  let sink = fn()
  const rates: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const start = process.cpuUsage()
    sink += fn()
    const used = process.cpuUsage(start)
    rates.push(samplesPerCall / ((used.user + used.system) / 1e6))
  }
  if (sink === -1) console.log('') // keep results alive for the optimiser
  return median(rates)
}

// TypeBox is a dependency of @sluice/contract, not of bench: load the very copy contract uses.
const contractRequire = createRequire(new URL('../../libs/contract/package.json', import.meta.url))
const { TypeCompiler } = contractRequire('@sinclair/typebox/compiler') as {
  TypeCompiler: { Compile(schema: unknown): { Check(value: unknown): value is RawBatch } }
}
const decoder = new TextDecoder()
const compiledBatch = TypeCompiler.Compile(RawBatchSchema)

function baseline(bytes: Uint8Array): () => number {
  return () => {
    let n = 0
    for (let m = 0; m < MESSAGES; m++) {
      const o = JSON.parse(decoder.decode(bytes)) as RawBatch
      n += o.seq.length
    }
    return n
  }
}

function handBatch(bytes: Uint8Array): () => number {
  return () => {
    let n = 0
    for (let m = 0; m < MESSAGES; m++) {
      const r = decodeRawSamples(bytes)
      if (r.ok) n += r.value.length
    }
    return n
  }
}

function handSingle(): number {
  let n = 0
  for (let m = 0; m < MESSAGES * 10; m++) {
    const r = decodeRawSamples(sampleBytes)
    if (r.ok) n += r.value.length
  }
  return n
}

function typeboxBatch(): number {
  let n = 0
  for (let m = 0; m < MESSAGES; m++) {
    const o: unknown = JSON.parse(decoder.decode(batchBytes))
    if (!compiledBatch.Check(o)) continue
    const out = new Array<Sample>(o.seq.length)
    for (let i = 0; i < o.seq.length; i++) {
      out[i] = { seq: o.seq[i]!, t: o.t[i]!, value: o.value[i]!, ingest: o.ingest[i]! }
    }
    n += out.length
  }
  return n
}

function encodeBatch(): number {
  let n = 0
  for (let m = 0; m < MESSAGES; m++) n += encode(toRawBatch(samples)).length > 0 ? BATCH : 0
  return n
}

const all = MESSAGES * BATCH
const base = measure(baseline(batchBytes), all)
const cases: [string, number][] = [
  ['baseline: TextDecoder + JSON.parse, batch of 100, no checks', base],
  ['decodeRawSamples, batch of 100', measure(handBatch(batchBytes), all)],
  ['decodeRawSamples, batch of 100, by the JSON path', measure(handBatch(batchJsonPath), all)],
  ['decodeRawSamples, lone sample', measure(handSingle, MESSAGES * 10)],
  ['TypeBox compiled check + unpack, batch of 100', measure(typeboxBatch, all)],
  ['encode(toRawBatch(...)), batch of 100', measure(encodeBatch, all)],
  ['full-precision values: TextDecoder + JSON.parse, no checks', measure(baseline(fullBytes), all)],
  ['full-precision values: decodeRawSamples', measure(handBatch(fullBytes), all)],
  [
    'full-precision values: decodeRawSamples, by the JSON path',
    measure(handBatch(fullJsonPath), all),
  ],
]

const rows: BenchRow[] = cases.map(([name, value]) => ({
  case: name,
  value: Math.round(value),
  unit: 'samples/s',
  ratioToBaseline: Number((value / base).toFixed(3)),
}))
console.log('case'.padEnd(64), 'samples/s'.padStart(14), 'vs baseline'.padStart(12))
for (const r of rows) {
  console.log(
    r.case.padEnd(64),
    r.value.toLocaleString('en-US').padStart(14),
    String(r.ratioToBaseline).padStart(12),
  )
}
const command = `node --conditions=sluice-src --import tsx bench/contract/codec.ts${process.argv.slice(2).length > 0 ? ' ' + process.argv.slice(2).join(' ') : ''}`
console.log(`wrote ${writeResult('codec', command, rows)}`)
