/**
 * @module commands/bench
 * `sluice bench`: runs the benchmark suite in `bench/` from a source checkout, exactly as `pnpm bench` does.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Runs `bench/run-all.ts`; benchmarks need the repository (they are not shipped in a build). */
export function runBench(argv: readonly string[]): Promise<number> {
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
