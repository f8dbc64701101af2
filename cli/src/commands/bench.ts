/**
 * @module commands/bench
 * `sluice bench`: runs the benchmark suite in `bench/` from a source checkout, exactly as `pnpm bench` does.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `sluice bench --help`: the options of `bench/run-all.ts`. */
export const BENCH_USAGE = [
  'Usage: sluice bench [--only name,name] [--quick] [--docs-only]',
  '',
  'Runs every benchmark under bench/ one after the other (from a source checkout), writes',
  'bench/results/*.json and rebuilds docs/performance.md from them. Same as pnpm bench.',
  '',
  '  --only <names>   run only these scripts (file names without .ts, comma-separated)',
  '  --quick          a short smoke run of each script, not numbers to publish',
  '  --docs-only      run nothing; rebuild docs/performance.md from the stored results',
].join('\n')

/** Runs `bench/run-all.ts`; benchmarks need the repository (they are not shipped in a build). */
export function runBench(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(BENCH_USAGE + '\n')
    return Promise.resolve(0)
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
  const script = join(root, 'bench', 'run-all.ts')
  if (!existsSync(script)) {
    process.stderr.write(
      `sluice bench: ${script} not found: benchmarks run from a source checkout.\n`,
    )
    return Promise.resolve(2)
  }
  const r = spawnSync(
    process.execPath,
    ['--conditions=sluice-src', '--import', 'tsx', script, ...argv],
    {
      cwd: root,
      stdio: 'inherit',
    },
  )
  return Promise.resolve(r.status ?? 1)
}
