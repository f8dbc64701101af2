/**
 * Microbenchmark of the bounded queue of `@sluice/stream` (DESIGN.md §5), the structure every hop pushes
 * each sample through: queue operations per second (one offer or one poll is one operation) for each
 * policy, next to two baselines measured in the same run:
 * - a plain JavaScript array used as a FIFO (`push` / `shift`), what one would write without thinking;
 * - a preallocated array ring with no policy, no weights and no counters: the floor for a ring buffer.
 *
 * Two workloads: **steady** (queue half full; each step offers one and polls one, so nothing drops) and
 * **overload** (queue full; each step offers one, so every offer hits the policy: an eviction, a refusal
 * or a sampling decision; `block` refuses without counting). Target: ≥ 20 M ops/s.
 *
 * Rates are medians of several runs, by CPU time of the process (GC included). Run:
 * `node --conditions=sluice-src --import tsx bench/micro/queue.ts [--steps 2000000] [--runs 5]`
 * Writes `bench/results/queue.json`; `bench/micro/queue.md` is the note shown with it.
 */
import { createBoundedQueue, QUEUE_POLICIES, type QueuePolicy } from '@sluice/stream'
import { median, writeResult, type BenchRow } from '../lib/results.js'

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : undefined
  return raw === undefined ? fallback : Number(raw)
}

const STEPS = argument('steps', 2_000_000)
const RUNS = argument('runs', 5)
const CAPACITY = 1024

/**
 * Times `fn` (which performs `ops` operations) `RUNS` times after a warm-up; median ops/s by the CPU time
 * of this process, which stays meaningful when other processes share the two cores.
 */
function measure(fn: () => number, ops: number): number {
  let sink = fn()
  const rates: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const start = process.cpuUsage()
    sink += fn()
    const used = process.cpuUsage(start)
    rates.push(ops / ((used.user + used.system) / 1e6))
  }
  if (sink === -1) console.log('') // keep the results alive for the optimiser
  return median(rates)
}

/** Baseline 1: a plain array as a FIFO. */
function arraySteady(): number {
  const a: number[] = []
  for (let i = 0; i < CAPACITY / 2; i++) a.push(i)
  let sum = 0
  for (let i = 0; i < STEPS; i++) {
    a.push(i)
    sum += a.shift()!
  }
  return sum
}

/** Baseline 2: a preallocated ring, no policy, no weights, no counters. */
function ringSteady(): number {
  const buf = new Array<number>(CAPACITY).fill(0)
  let head = 0
  let size = 0
  for (let i = 0; i < CAPACITY / 2; i++) buf[(head + size++) % CAPACITY] = i
  let sum = 0
  for (let i = 0; i < STEPS; i++) {
    if (size < CAPACITY) {
      let tail = head + size
      if (tail >= CAPACITY) tail -= CAPACITY
      buf[tail] = i
      size++
    }
    sum += buf[head]!
    head = head + 1 === CAPACITY ? 0 : head + 1
    size--
  }
  return sum
}

function queueSteady(policy: QueuePolicy): () => number {
  return () => {
    const q = createBoundedQueue<number>({ capacity: CAPACITY, policy })
    for (let i = 0; i < CAPACITY / 2; i++) q.offer(i)
    let sum = 0
    for (let i = 0; i < STEPS; i++) {
      q.offer(i)
      sum += q.poll()!
    }
    return sum
  }
}

function queueOverload(policy: QueuePolicy): () => number {
  return () => {
    const q = createBoundedQueue<number>({ capacity: CAPACITY, policy })
    for (let i = 0; i < CAPACITY; i++) q.offer(i)
    let accepted = 0
    for (let i = 0; i < STEPS; i++) if (q.offer(i).accepted) accepted++
    return accepted + q.counters().droppedTotal
  }
}

const rows: BenchRow[] = []
const arrayRate = measure(arraySteady, 2 * STEPS)
const ringRate = measure(ringSteady, 2 * STEPS)
rows.push({
  case: 'baseline: array push/shift (steady)',
  value: arrayRate,
  unit: 'ops/s',
  vsArray: 1,
})
rows.push({
  case: 'baseline: preallocated ring, no policy (steady)',
  value: ringRate,
  unit: 'ops/s',
  vsArray: ringRate / arrayRate,
})
for (const policy of QUEUE_POLICIES) {
  const v = measure(queueSteady(policy), 2 * STEPS)
  rows.push({
    case: `bounded queue ${policy} (steady)`,
    value: v,
    unit: 'ops/s',
    vsArray: v / arrayRate,
    vsRing: v / ringRate,
  })
}
for (const policy of QUEUE_POLICIES) {
  const v = measure(queueOverload(policy), STEPS)
  rows.push({
    case: `bounded queue ${policy} (overload, every offer hits the policy)`,
    value: v,
    unit: 'ops/s',
    vsArray: v / arrayRate,
    vsRing: v / ringRate,
  })
}

const command = `node --conditions=sluice-src --import tsx bench/micro/queue.ts --steps ${STEPS} --runs ${RUNS}`
console.log(`queue ops/s, capacity ${CAPACITY}, ${STEPS} steps, median of ${RUNS} runs`)
console.log(
  'case'.padEnd(72) + 'M ops/s'.padStart(10) + 'vs array'.padStart(10) + 'vs ring'.padStart(10),
)
for (const r of rows) {
  const vsRing = typeof r.vsRing === 'number' ? r.vsRing.toFixed(2) : ''
  console.log(
    r.case.padEnd(72) +
      (r.value / 1e6).toFixed(1).padStart(10) +
      (r.vsArray as number).toFixed(2).padStart(10) +
      vsRing.padStart(10),
  )
}
console.log(`wrote ${writeResult('queue', command, rows)}`)
