#!/usr/bin/env node
/**
 * `pnpm sluice …` at the repository root (the root package.json's `sluice` script): runs the built CLI,
 * `cli/dist/main.js`, with the arguments. On a fresh `pnpm install` nothing is built yet, so it builds the
 * CLI and the packages it uses first (turbo, cached), then runs. After changing the sources, `pnpm build`
 * (or `pnpm start`, which builds) brings the build up to date.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const cli = join(dirname(fileURLToPath(import.meta.url)), '..')
const main = join(cli, 'dist', 'main.js')
if (!existsSync(main)) {
  const root = join(cli, '..')
  process.stderr.write('sluice: first run, building the CLI and its packages (turbo build)…\n')
  const built = spawnSync(
    join(root, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', '--filter=@sluice/cli...', '--output-logs=errors-only'],
    { cwd: root, stdio: ['ignore', 2, 2], env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
  )
  if (built.status !== 0) {
    process.stderr.write('sluice: the build failed (above); fix it, or run pnpm build to see it all.\n')
    process.exit(built.status ?? 1)
  }
}
// `sluice up` starts its children with process.argv[1]: make that the CLI itself, not this launcher.
process.argv[1] = main
await import(main)
