/**
 * Memory and spooling cost of a forwarder sink during a long outage (DESIGN.md §9: the spool is on disk,
 * so memory must stay bounded however long the sink is down). A sink hop whose sink always fails takes in
 * up to `--multiple` × its spool cap of anomaly records (~300 B each); the heap after a full GC and the
 * RSS are sampled at 1×, 4× and `multiple`× the cap. Baseline: the same hop, idle, with an empty spool.
 * Also measured: records/s through `offer` (encode, frame, CRC, `writeSync`, cap enforcement) against a
 * baseline of bare `writeSync` of the same bytes to one file.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/forwarder/outage-memory.ts [--cap-mib 16] [--multiple 16]`
 * Writes `bench/results/outage-memory.json`; `bench/forwarder/outage-memory.md` is the note shown with it.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createSinkHop, SinkSendError, type ForwardItem, type Sink } from '@sluice/forwarder'
import { silentLogger } from '@sluice/mesh'
import { writeResult, type BenchRow } from '../lib/results.js'

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : undefined
  return raw === undefined ? fallback : Number(raw)
}

const CAP = argument('cap-mib', 16) * 1024 * 1024
const MULTIPLE = argument('multiple', 16)

// `gc` without --expose-gc on the command line: set the V8 flag, then read it from a fresh context.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const MiB = 1024 * 1024
function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const down: Sink = {
  name: 'down',
  type: 'bench',
  encode: (item) => [JSON.stringify(item.payload)],
  send: () => Promise.reject(new SinkSendError('down', true)),
  close: () => Promise.resolve(),
}
const item = (i: number): ForwardItem => ({
  kind: 'anomaly',
  topic: 'sluice/uno/light/anomaly',
  payload: {
    seq: i,
    t: 1732480000000 + i * 10 + 0.125,
    value: 900 + i / 9,
    score: 4 + (i % 13) / 13,
    threshold: 3,
    detector: 'zscore',
    level: 'very-unusual',
    kind: 'spike',
    baseline: { mean: 450.5, std: 12.25, n: 120 },
    ingest: 1732480000000 + i * 10 + 0.625,
  },
})
const recordBytes = Buffer.byteLength(JSON.stringify(item(123_456).payload)) + 17

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-outage-'))

/** A hop onto the sink that is down, spooling into `dir/<name>` with the cap. */
function downHop(name: string): ReturnType<typeof createSinkHop> {
  return createSinkHop(down, {
    spoolDir: join(dir, name),
    spoolMaxBytes: CAP,
    batchSize: 500,
    lingerMs: 100,
    ratePerSecond: 0,
    burst: 100,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    log: silentLogger,
  })
}

/** Records per second offered to a fresh hop's spool in groups of `size` (200 000 records, cap CAP). */
function groupedOfferRate(size: number): number {
  const hop = downHop(`grouped-${size}`)
  const total = 200_000
  const groups = Array.from({ length: total / size }, (_, g) =>
    Array.from({ length: size }, (_, k) => item(g * size + k)),
  )
  const t0 = process.hrtime.bigint()
  for (const group of groups) hop.offer(group)
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  hop.spool.close()
  return total / seconds
}
const rows: BenchRow[] = []
try {
  const hop = downHop('spool')
  hop.start()
  const idleHeap = heapAfterGc()
  const idleRss = process.memoryUsage().rss
  rows.push({ case: 'heap, idle hop (baseline)', value: idleHeap / MiB, unit: 'MiB', ratio: 1 })
  let n = 0
  let offerSeconds = 0
  const fillTo = async (multiple: number): Promise<void> => {
    const target = Math.ceil((multiple * CAP) / recordBytes)
    while (n < target) {
      const t0 = process.hrtime.bigint()
      for (let k = 0; k < 2000 && n < target; k++, n++) hop.offer([item(n)])
      offerSeconds += Number(process.hrtime.bigint() - t0) / 1e9
      await new Promise((r) => setImmediate(r)) // the failing sender gets its turns
    }
  }
  for (const m of [1, 4, MULTIPLE]) {
    await fillTo(m)
    const heap = heapAfterGc()
    const rss = process.memoryUsage().rss
    const st = hop.spool.stats()
    rows.push({
      case: `heap after ${m}× the cap through`,
      value: heap / MiB,
      unit: 'MiB',
      ratio: heap / idleHeap,
      records: n,
      spoolMiB: st.bytes / MiB,
      evicted: st.evicted,
      pending: st.pending,
    })
    rows.push({
      case: `rss after ${m}× the cap through`,
      value: rss / MiB,
      unit: 'MiB',
      ratio: rss / idleRss,
    })
  }
  const offerRate = n / offerSeconds
  await hop.stop()

  // Baseline for the write path: the same number of bytes, one writeSync per record, to one file.
  const buf = Buffer.alloc(recordBytes, 0x61)
  const fd = openSync(join(dir, 'plain.bin'), 'w')
  const t0 = process.hrtime.bigint()
  const plainN = Math.min(n, 200_000)
  for (let i = 0; i < plainN; i++) writeSync(fd, buf)
  const plainRate = plainN / (Number(process.hrtime.bigint() - t0) / 1e9)
  closeSync(fd)
  rows.push({
    case: 'bare writeSync per record (baseline)',
    value: plainRate,
    unit: 'records/s',
    ratio: 1,
  })
  rows.push({
    case: 'offer into the spool (encode, frame, CRC, write, cap)',
    value: offerRate,
    unit: 'records/s',
    ratio: offerRate / plainRate,
  })
  // The same offers in groups, as the forwarder hands a sink the items of one inbound batch: one
  // write per group. One item per offer is what it did before (2026-12-04), and is this row's baseline.
  const grouped = [1, 4, 25].map((size) => ({ size, rate: groupedOfferRate(size) }))
  for (const { size, rate } of grouped)
    rows.push({
      case: `offer ${size === 1 ? 'one item at a time (baseline)' : `${size} items at a time`}`,
      value: rate,
      unit: 'records/s',
      ratio: rate / grouped[0]!.rate,
    })
} finally {
  rmSync(dir, { recursive: true, force: true })
}

console.log(`spool cap ${CAP / MiB} MiB, ~${recordBytes} B per record`)
console.log('case'.padEnd(58), 'value'.padStart(12), 'unit'.padEnd(10), 'ratio')
for (const r of rows)
  console.log(
    r.case.padEnd(58),
    r.value.toFixed(1).padStart(12),
    r.unit.padEnd(10),
    typeof r.ratio === 'number' ? r.ratio.toFixed(2) : '',
  )
const command = `node --conditions=sluice-src --import tsx bench/forwarder/outage-memory.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
console.log(`wrote ${writeResult('outage-memory', command, rows)}`)
