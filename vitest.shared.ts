import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('.', import.meta.url))
/**
 * Each package's results as JSON in `.test-results/`, from which `pnpm test` lists what failed at its end
 * (scripts/test-report.mjs): a failure in an early package otherwise scrolls far out of view.
 */
const jsonReport = join(
  root,
  '.test-results',
  `${relative(root, process.cwd()).replaceAll('/', '-') || 'root'}.json`,
)

/**
 * Shared vitest settings: tests import workspace packages straight from their TypeScript sources through
 * the `sluice-src` export condition, so a unit test never needs a prior build.
 */
export function sluiceVitestConfig(
  overrides: { testTimeout?: number; include?: string[]; maxWorkers?: number } = {},
) {
  return defineConfig({
    // Vite's own default conditions plus ours. Not 'import' on the server side: it would reach Node's
    // resolver and hand CommonJS requirers (mqtt.js → ws) an ESM wrapper.
    resolve: { conditions: ['sluice-src', 'module', 'browser', 'development|production'] },
    ssr: { resolve: { conditions: ['sluice-src', 'module', 'node', 'development|production'] } },
    test: {
      include: overrides.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      reporters: ['default', 'json'],
      outputFile: { json: jsonReport },
      // Vitest's default is one worker on a 2-core machine. A package whose long files mostly wait (on
      // brokers, timers, child processes) sets 2 to run two files at once.
      ...(overrides.maxWorkers !== undefined ? { maxWorkers: overrides.maxWorkers } : {}),
    },
  })
}
