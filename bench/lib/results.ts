/**
 * @module bench/lib/results
 * The one file format every benchmark writes (`bench/results/<name>.json`) and the helpers to write it, so
 * `run-all.ts` can build `docs/performance.md` from measured numbers only.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface BenchRow {
  readonly case: string
  readonly value: number
  readonly unit: string
  readonly [extra: string]: unknown
}

export interface BenchResult {
  readonly name: string
  readonly date: string
  readonly node: string
  readonly cpu: string
  readonly command: string
  readonly results: readonly BenchRow[]
  /**
   * 1-, 5- and 15-minute load averages when the results were written: the two cores are shared, and a
   * load well above 2 means other work competed with the benchmark for them.
   */
  readonly loadavg?: readonly number[]
}

/** `bench/results`, next to this package. */
export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results')

/**
 * Writes `bench/results/<name>.json` and returns its path. `node` is the version of the Node that ran what
 * was measured, when that is not the one running the benchmark (`--node`).
 */
export function writeResult(
  name: string,
  command: string,
  results: readonly BenchRow[],
  node: string = process.version,
): string {
  const out: BenchResult = {
    name,
    date: new Date().toISOString(),
    node,
    cpu: cpus()[0]?.model ?? 'unknown',
    command,
    results,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
  }
  mkdirSync(resultsDir, { recursive: true })
  const path = join(resultsDir, `${name}.json`)
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n')
  return path
}

/** Runs `fn` repeatedly for at least `minMs` and returns operations per second (`ops` per call). */
export function opsPerSecond(fn: () => void, ops: number, minMs = 1000): number {
  fn() // warm-up: let the JIT see the code once before timing it
  let calls = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < minMs) {
    fn()
    calls++
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  }
  return (calls * ops) / (elapsed / 1000)
}

/** The median (the mean of the two middle values of an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  if (s.length === 0) return NaN
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
